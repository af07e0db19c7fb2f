import { Command } from 'commander';
import { PackagerError } from '../../domain/index.js';
import { ingestPaths, type IngestFileResult } from '../../evidence/index.js';
import { genericAuditOf } from '../../config/index.js';
import { withRuntime } from '../context.js';
import { EXIT, type CliIo } from '../io.js';

/** `ingest --tenant T PATH...`: detect and store evidence files. */
export function ingestCommand(
  io: CliIo,
  setCode: (code: number) => void,
): Command {
  return new Command('ingest')
    .description('read evidence files and folders into a tenant')
    .requiredOption('--tenant <id>', 'the tenant that owns the evidence')
    .option(
      '--tag <tag>',
      'a tag for every file read, such as jurisdiction:EU (repeatable)',
      (tag: string, tags: string[] = []) => [...tags, tag],
    )
    .option('--data-dir <dir>', 'data directory')
    .argument('<paths...>', 'files or folders')
    .action(
      async (
        paths: string[],
        opts: { tenant: string; tag?: string[]; dataDir?: string },
      ) => {
        const summary = await withRuntime(opts, async (rt) => {
          if (!(await rt.store.getTenant(opts.tenant))) {
            throw new PackagerError(
              'DP_TENANT_UNKNOWN',
              `no tenant ${JSON.stringify(opts.tenant)}; add it with ` +
                `"disclosure-packager tenants add ${opts.tenant} --name ..."`,
            );
          }
          return ingestPaths({
            tenantId: opts.tenant,
            paths,
            store: rt.store,
            objects: rt.objects,
            genericAudit: genericAuditOf(rt.config),
            streamFromBytes: rt.config.ingestStreamFromBytes,
            tags: opts.tag,
            onFile: (file) => io.out(describe(file)),
          });
        });
        const partial = summary.files.filter((f) => f.status === 'partial');
        io.out(
          `\n${summary.files.length} files: ${summary.stored} stored ` +
            `(${partial.length} in part), ${summary.duplicates} already ` +
            `present, ${summary.failed} failed\n`,
        );
        // Anything left behind, a whole file or some of its records, is
        // worth a non-zero exit: scripts must not take it for success.
        if (summary.failed > 0 || partial.length > 0) {
          setCode(EXIT.ingestIncomplete);
        }
      },
    );
}

function describe(file: IngestFileResult): string {
  const what = [file.kind, file.format].filter(Boolean).join(' / ');
  const head = `${file.status.padEnd(9)} ${file.path}`;
  const detail = what
    ? `  (${what}, ${file.items} item${file.items === 1 ? '' : 's'})`
    : '';
  const errors = file.errors.map((e) => `          ${e}\n`).join('');
  const warnings = (file.warnings ?? [])
    .map((w) => `          warning: ${w}\n`)
    .join('');
  return `${head}${detail}\n${errors}${warnings}`;
}
