import { Command } from 'commander';
import { isPlainName, isTenantId, PackagerError } from '../../domain/index.js';
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
    .option('--data-dir <dir>', 'data directory')
    .action(async (id: string, opts: { name: string; dataDir?: string }) => {
      if (opts.name.trim() === '') {
        throw new PackagerError(
          'DP_REQUEST_INVALID',
          '--name must not be empty',
        );
      }
      // The name is shown in lists and signed into every manifest: it
      // must read as what it is.
      if (!isPlainName(opts.name)) {
        throw new PackagerError(
          'DP_REQUEST_INVALID',
          '--name must be at most 200 characters, with no control, ' +
            'invisible or bidirectional-override characters',
        );
      }
      if (!isTenantId(id)) {
        throw new PackagerError(
          'DP_REQUEST_INVALID',
          `tenant id ${JSON.stringify(id)} must be 1-63 lowercase letters, ` +
            'digits or single dashes, starting and ending with a letter or digit',
        );
      }
      const existed = await withRuntime(opts, async (rt) => {
        const before = await rt.store.getTenant(id);
        await rt.store.saveTenant({ id, name: opts.name, sample: false });
        return before;
      });
      io.out(
        !existed
          ? `tenant ${id} added\n`
          : existed.name === opts.name
            ? `tenant ${id} already exists with that name\n`
            : `tenant ${id} renamed from ${JSON.stringify(existed.name)}\n`,
      );
    });
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
