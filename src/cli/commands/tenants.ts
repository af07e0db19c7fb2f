import { Command } from 'commander';
import { PackagerError, isTenantId } from '../../domain/index.js';
import { withRuntime } from '../context.js';
import type { CliIo } from '../io.js';

/** `tenants add|list`: the tenants whose evidence is kept apart. */
export function tenantsCommand(io: CliIo): Command {
  const tenants = new Command('tenants').description('manage tenants');
  tenants
    .command('add')
    .description('add a tenant (or rename an existing one)')
    .argument('<id>', 'tenant id: lowercase letters, digits and dashes')
    .requiredOption('--name <name>', 'display name (not empty)')
    .option(
      '--jurisdictions <tags>',
      'jurisdiction tags every file of its bundles carries, comma-separated (EU,US-CA)',
    )
    .option('--data-dir <dir>', 'data directory')
    .action(
      async (
        id: string,
        opts: { name: string; jurisdictions?: string; dataDir?: string },
      ) => {
        if (opts.name.trim() === '') {
          throw new PackagerError(
            'DP_REQUEST_INVALID',
            '--name must not be empty',
          );
        }
        if (!isTenantId(id)) {
          throw new PackagerError(
            'DP_REQUEST_INVALID',
            `tenant id ${JSON.stringify(id)} must be 1-63 lowercase letters, ` +
              'digits or dashes, starting with a letter or digit',
          );
        }
        const existed = await withRuntime(opts, async (rt) => {
          const before = await rt.store.getTenant(id);
          const jurisdictions = toJurisdictions(opts.jurisdictions);
          await rt.store.saveTenant({
            id,
            name: opts.name,
            sample: false,
            jurisdictions,
          });
          // Jurisdictions are a tenant setting every later bundle carries.
          if (jurisdictions) {
            await rt.audit.record({
              tenantId: id,
              actor: 'operator',
              action: 'tenant.jurisdictions.set',
              resource: `tenant/${id}`,
              outcome: 'success',
            });
          }
          return before;
        });
        io.out(
          !existed
            ? `tenant ${id} added\n`
            : existed.name === opts.name
              ? `tenant ${id} already exists with that name\n`
              : `tenant ${id} renamed from ${JSON.stringify(existed.name)}\n`,
        );
      },
    );
  tenants
    .command('list')
    .description('list tenants')
    .option('--data-dir <dir>', 'data directory')
    .action(async (opts: { dataDir?: string }) => {
      const list = await withRuntime(opts, (rt) => rt.store.listTenants());
      for (const t of list) {
        io.out(`${t.id}\t${t.sample ? 'sample' : 'tenant'}\t${t.name}\n`);
      }
    });
  return tenants;
}

const JURISDICTION = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

/** `--jurisdictions EU,US-CA` as tags; undefined keeps the stored ones. */
function toJurisdictions(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const tags = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = tags.find((t) => !JURISDICTION.test(t));
  if (bad !== undefined) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `jurisdiction tag ${JSON.stringify(bad)} must be 1-32 letters, ` +
        'digits or dashes, such as EU or US-CA',
    );
  }
  return [...new Set(tags)].sort();
}
