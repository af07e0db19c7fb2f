import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { constants } from 'node:fs';
import { access, lstat, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import os from 'node:os';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import {
  ARTIFACT_KINDS,
  PackagerError,
  isArtifactKind,
  toWindow,
  type ArtifactKind,
  type JobProgress,
} from '../../domain/index.js';
import { runExport, type ExportOutcome } from '../../jobs/index.js';
import {
  dlpRulesOf,
  dlpTargetsOf,
  scanBundleFile,
  toDlpError,
} from '../../redaction/index.js';
import { withRuntime } from '../context.js';
import type { CliIo } from '../io.js';

interface ExportOptions {
  tenant: string;
  from: string;
  to: string;
  artifacts: string;
  out: string;
  progress: boolean;
  force?: boolean;
  dataDir?: string;
}

/** `export`: run the pipeline without the server and write the ZIP. */
export function exportCommand(io: CliIo): Command {
  return new Command('export')
    .description('export a signed bundle for a tenant and window to a file')
    .requiredOption('--tenant <id>', 'tenant to export')
    .requiredOption('--from <time>', 'window start, RFC 3339 (inclusive)')
    .requiredOption('--to <time>', 'window end, RFC 3339 (exclusive)')
    .option(
      '--artifacts <kinds>',
      'comma-separated kinds',
      ARTIFACT_KINDS.join(','),
    )
    .requiredOption('--out <file>', 'where to write the bundle ZIP')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--force', 'replace FILE if it exists (a regular file only)')
    .option('--data-dir <dir>', 'data directory')
    .action(async (opts: ExportOptions) => {
      const window = toWindow(opts.from, opts.to);
      const artifacts = toArtifacts(opts.artifacts);
      // The bundle and its whole-ZIP signature beside it, checked alike.
      await assertWritableTarget(opts.out, opts.force ?? false);
      await assertWritableTarget(`${opts.out}.sig`, opts.force ?? false);
      const outcome = await withRuntime(opts, async (rt) => {
        const tenant = await rt.store.getTenant(opts.tenant);
        if (!tenant) {
          throw new PackagerError(
            'DP_TENANT_UNKNOWN',
            `no tenant ${JSON.stringify(opts.tenant)}`,
          );
        }
        const job = {
          id: randomUUID(),
          requestedBy: `cli:${os.userInfo().username}`,
          createdAt: new Date(),
        };
        const { signer, takenAt } = await rt.keys.signerForJob();
        const deps = { ...rt, signer, signedAt: takenAt };
        // No exceptions for operators: the export is in the tenant's trail.
        await rt.audit.record({
          tenantId: tenant.id,
          actor: 'operator',
          action: 'export.requested',
          resource: `job/${job.id}`,
          outcome: 'success',
        });
        return writeBundle(
          opts.out,
          opts.progress && io.isTTY,
          (out, onProgress) =>
            runExport(deps, { tenant, window, artifacts, job }, out, {
              onProgress,
            }),
          inspectBundle,
        );
      });
      io.out(summarize(opts.out, outcome));
    });
}

/**
 * Checks the output path before any work: its folder must exist and be
 * writable, and an existing entry is replaced only with --force, and only
 * when it is a regular file (never a device, folder or link).
 */
async function assertWritableTarget(
  out: string,
  force: boolean,
): Promise<void> {
  const refuse = (why: string) =>
    new PackagerError(
      'DP_REQUEST_INVALID',
      `cannot write ${JSON.stringify(out)}: ${why}`,
    );
  if (out.trim() === '') throw refuse('--out needs a file name');
  const dir = path.dirname(path.resolve(out));
  const folder = await stat(dir).catch(() => null);
  if (!folder?.isDirectory()) throw refuse(`the folder ${dir} does not exist`);
  await access(dir, constants.W_OK).catch(() => {
    throw refuse(`the folder ${dir} is not writable`);
  });
  const existing = await lstat(out).catch(() => null);
  if (existing && !existing.isFile()) {
    throw refuse('it exists and is not a regular file');
  }
  if (existing && !force) {
    throw refuse('it exists; pass --force to replace it');
  }
}

function toArtifacts(list: string): ArtifactKind[] {
  const values = list
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const unknown = values.filter((v) => !isArtifactKind(v));
  if (values.length === 0 || unknown.length > 0) {
    throw new PackagerError(
      'DP_ARTIFACT_UNKNOWN',
      `unknown artifact kind ${unknown.join(', ') || '(none given)'}; ` +
        `choose from ${ARTIFACT_KINDS.join(', ')}`,
    );
  }
  return ARTIFACT_KINDS.filter((kind) => values.includes(kind));
}

/**
 * Writes beside the target and renames on success, so a failed export
 * never leaves a half-written file under the name the user asked for.
 */
async function writeBundle(
  target: string,
  showProgress: boolean,
  run: (
    out: NodeJS.WritableStream & import('node:stream').Writable,
    onProgress: (p: JobProgress) => void,
  ) => Promise<ExportOutcome>,
  inspect: (file: string, outcome: ExportOutcome) => Promise<void>,
): Promise<ExportOutcome> {
  const temp = `${target}.partial-${process.pid}`;
  const sigTemp = `${target}.sig.partial-${process.pid}`;
  const file = createWriteStream(temp, { flags: 'wx' });
  const bar = showProgress
    ? new cliProgress.SingleBar(
        {
          format: ' {stage} [{bar}] {value}/{total} items | {bytes} bytes',
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(1, 0, { stage: 'fetch', bytes: 0 });
  try {
    const outcome = await run(file, (p) => {
      bar?.setTotal(Math.max(p.itemsTotal, 1));
      bar?.update(p.itemsDone, { stage: p.stage, bytes: p.bytesWritten });
    });
    await finished(file);
    await inspect(temp, outcome);
    // The whole-ZIP signature goes beside the bundle, as the API serves
    // it: both are written in full before either takes its name.
    const signature = outcome.result.zipSignature;
    if (signature) await writeFile(sigTemp, signature, { flag: 'wx' });
    await rename(temp, target);
    if (signature) {
      await rename(sigTemp, `${target}.sig`).catch(async (error: unknown) => {
        await rm(target, { force: true });
        throw error;
      });
    }
    return outcome;
  } catch (error) {
    file.destroy();
    await rm(temp, { force: true });
    await rm(sigTemp, { force: true });
    throw error;
  } finally {
    bar?.stop();
  }
}

/** The DLP scan of the written bundle, before it takes its name. */
async function inspectBundle(
  file: string,
  outcome: ExportOutcome,
): Promise<void> {
  const { policy, result } = outcome;
  const hits = await scanBundleFile(
    file,
    dlpTargetsOf(policy, result.manifest.files),
    dlpRulesOf(policy),
  );
  if (hits.length > 0) {
    throw toDlpError(hits, policy.name, 'the bundle was not written');
  }
}

function summarize(out: string, outcome: ExportOutcome): string {
  const { result } = outcome;
  const counts = Object.entries(outcome.counts)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const missing = result.manifest.missing
    .map((m) => `  ${m.status}: ${m.kind} (${m.reason})\n`)
    .join('');
  return (
    `wrote ${out} (${result.size} bytes, ${result.entries} entries)\n` +
    `  contents: ${counts || 'nothing'}\n${missing}` +
    `  sha512: ${result.sha512}\n` +
    `  signed by: ${result.manifest.signing.keyId}\n` +
    (result.zipSignature ? `  ZIP signature: ${out}.sig\n` : '')
  );
}
