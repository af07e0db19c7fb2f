import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PackagerError } from '../domain/index.js';

/** What a signed download link grants: one file of one job, until expiry. */
export interface LinkGrant {
  jobId: string;
  tenantId: string;
  /** `bundle` or `bundle.sig`. */
  file: string;
  expiresAt: Date;
}

/**
 * Signs and checks download links: an HMAC-SHA256 over the job, its tenant,
 * the file and the expiry, so a link cannot be moved to another job, tenant
 * or file, nor extended.
 */
export class LinkSigner {
  constructor(
    private readonly secret: Buffer,
    readonly ttlSeconds: number,
  ) {}

  /** A path with `tenant`, `expires` and `sig` query parameters. */
  sign(grant: Omit<LinkGrant, 'expiresAt'>, now = new Date()): string {
    const expires = Math.floor(now.getTime() / 1000) + this.ttlSeconds;
    const sig = this.mac(grant.jobId, grant.tenantId, grant.file, expires);
    const query = new URLSearchParams({
      tenant: grant.tenantId,
      expires: String(expires),
      sig,
    });
    return `/jobs/${grant.jobId}/${grant.file}?${query.toString()}`;
  }

  /** Checks a presented link; throws DP_LINK_INVALID (403) when it fails. */
  verify(
    presented: {
      jobId: string;
      file: string;
      tenant: unknown;
      expires: unknown;
      sig: unknown;
    },
    now = new Date(),
  ): LinkGrant {
    const { tenant, expires, sig } = presented;
    if (
      typeof tenant !== 'string' ||
      typeof expires !== 'string' ||
      typeof sig !== 'string' ||
      !/^\d{1,12}$/.test(expires)
    ) {
      throw refused('the download link is malformed');
    }
    const expected = Buffer.from(
      this.mac(presented.jobId, tenant, presented.file, Number(expires)),
    );
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw refused('the download link is not valid');
    }
    if (Number(expires) * 1000 <= now.getTime()) {
      throw refused('the download link has expired; read the job again');
    }
    return {
      jobId: presented.jobId,
      tenantId: tenant,
      file: presented.file,
      expiresAt: new Date(Number(expires) * 1000),
    };
  }

  private mac(jobId: string, tenantId: string, file: string, expires: number) {
    return createHmac('sha256', this.secret)
      .update(['dp-link-v1', jobId, tenantId, file, String(expires)].join('\n'))
      .digest('base64url');
  }
}

function refused(message: string): PackagerError {
  return new PackagerError('DP_LINK_INVALID', message);
}

/**
 * The link secret: the configured one, else 32 random bytes kept (mode
 * 0600) in the data directory, made on the first start.
 */
export async function loadOrCreateLinkSecret(
  dataDir: string,
  configured: string | undefined,
): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const file = path.join(dataDir, 'link-secret');
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await mkdir(dataDir, { recursive: true });
  try {
    await writeFile(file, secret.toString('base64url') + '\n', {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    // Another process made it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
}
