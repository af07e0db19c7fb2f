import { Command } from 'commander';
import { toRoles, TENANT_ROLES, type TokenRecord } from '../../auth/index.js';
import { isPlainName, PackagerError } from '../../domain/index.js';
import { withRuntime } from '../context.js';
import type { CliIo } from '../io.js';

interface StoreFlags {
  dataDir?: string;
}

/**
 * `tokens create|list|revoke`: API tokens, run by a platform operator
 * (whoever holds the database). A token is printed once and kept only as
 * a SHA-256 digest; each change is written to the tenant's audit trail.
 */
export function tokensCommand(io: CliIo): Command {
  const tokens = new Command('tokens').description('manage API tokens');
  tokens
    .command('create')
    .description('create an API token for a tenant, printed once')
    .requiredOption('--tenant <id>', 'the tenant the token acts for')
    .requiredOption(
      '--role <roles>',
      `${TENANT_ROLES.join(', ')}; several joined by + or ,`,
    )
    .option(
      '--subject <name>',
      'who holds it, as the audit trail names them (default token:<id>)',
    )
    .option('--data-dir <dir>', 'data directory')
    .action(
      async (
        flags: StoreFlags & { tenant: string; role: string; subject?: string },
      ) => {
        // The subject names the holder in every audit event: plain text.
        const { subject } = flags;
        if (subject !== undefined && !isPlainName(subject)) {
          throw new PackagerError(
            'DP_REQUEST_INVALID',
            '--subject must be 1 to 200 characters, with no control, ' +
              'invisible or bidirectional-override characters',
          );
        }
        if (subject?.startsWith('token:')) {
          throw new PackagerError(
            'DP_REQUEST_INVALID',
            '--subject must not start with "token:", the name of tokens ' +
              'made without one',
          );
        }
        const roles = toRoles(flags.role);
        if (!roles) {
          throw new PackagerError(
            'DP_REQUEST_INVALID',
            `--role must name ${TENANT_ROLES.join(', ')} (joined by +)`,
          );
        }
        const made = await withRuntime(flags, async (rt) => {
          if (!(await rt.store.getTenant(flags.tenant))) {
            throw new PackagerError(
              'DP_TENANT_UNKNOWN',
              `no tenant ${JSON.stringify(flags.tenant)}`,
            );
          }
          const created = await rt.tokens.create({
            tenantId: flags.tenant,
            roles,
            subject,
          });
          await rt.audit.record({
            tenantId: flags.tenant,
            actor: 'operator',
            action: 'token.created',
            resource: `token/${created.record.id}`,
            outcome: 'success',
          });
          return created;
        });
        io.out(
          `token id: ${made.record.id}\n` +
            `roles: ${made.record.roles.join('+')}\n` +
            `token: ${made.token}\n` +
            'store it now: it is not kept and cannot be shown again\n',
        );
      },
    );
  tokens
    .command('list')
    .description('list API tokens (never their secrets)')
    .option('--tenant <id>', "only this tenant's tokens")
    .option('--data-dir <dir>', 'data directory')
    .action(async (flags: StoreFlags & { tenant?: string }) => {
      const list = await withRuntime(flags, (rt) =>
        rt.tokens.list(flags.tenant),
      );
      io.out(list.map(toLine).join(''));
    });
  tokens
    .command('revoke')
    .description('revoke an API token: it is refused from the next request')
    .argument('<id>', 'the token id that create printed')
    .option('--data-dir <dir>', 'data directory')
    .action(async (id: string, flags: StoreFlags) => {
      const record = await withRuntime(flags, async (rt) => {
        const revoked = await rt.tokens.revoke(id);
        await rt.audit.record({
          tenantId: revoked.tenantId,
          actor: 'operator',
          action: 'token.revoked',
          resource: `token/${revoked.id}`,
          outcome: 'success',
        });
        return revoked;
      });
      io.out(`token ${record.id} of ${record.tenantId} is revoked\n`);
    });
  return tokens;
}

function toLine(t: TokenRecord): string {
  const status = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'live';
  return (
    [
      t.id,
      t.tenantId,
      t.roles.join('+'),
      t.subject,
      t.createdAt.toISOString(),
      status,
    ].join('\t') + '\n'
  );
}
