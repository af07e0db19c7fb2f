import type { KeyObject } from 'node:crypto';
import type { Database, Queryable } from '../db/index.js';
import { PackagerError } from '../domain/index.js';
import { decryptCosignKey, encryptCosignKey } from './cosignkey.js';
import { toCosignSignature } from './formats.js';
import {
  keyQueries,
  type KeyOrigin,
  type StoredKey,
  type StoredRotation,
} from './keyqueries.js';
import { toRotationStatement } from './rotation.js';
import { toSigner, type Signer } from './signer.js';
import { toTrustFile, type TrustFile } from './trust.js';

/** The key a job signs with, and the moment it took it. */
export interface JobSigning {
  signer: Signer;
  takenAt: Date;
}

/** What a worker needs of the keyring. */
export interface JobKeys {
  signerForJob(): Promise<JobSigning>;
}

// A share lock can find no active row while a rotation commits; reading
// again then sees the new key.
const ACTIVE_READ_ATTEMPTS = 3;

/**
 * The signing keys kept in PostgreSQL (docs/keys.md): exactly one active
 * key signs; retired keys still verify what they signed in their window;
 * revoked keys verify nothing. Private keys are stored in cosign's
 * encrypted format under one keyring password.
 */
export class Keyring implements JobKeys {
  readonly #signers = new Map<string, Signer>();

  constructor(
    private readonly db: Database,
    private readonly password: string,
  ) {}

  /**
   * The active key for a job that starts now. A job keeps this signer to
   * its end, so a rotation while it runs does not change its key.
   */
  async signerForJob(): Promise<JobSigning> {
    for (let attempt = 0; attempt < ACTIVE_READ_ATTEMPTS; attempt += 1) {
      const found = await this.db.transaction((tx) =>
        keyQueries.lockActive(tx),
      );
      if (found) {
        return { signer: this.#signerOf(found.key), takenAt: found.now };
      }
    }
    throw new PackagerError(
      'DP_KEY_UNAVAILABLE',
      'no signing key is active; run `disclosure-packager keys rotate`',
    );
  }

  list(): Promise<StoredKey[]> {
    return keyQueries.list(this.db);
  }

  /** Every key and rotation, as GET /signing-keys publishes them. */
  async trustFile(): Promise<TrustFile> {
    const [keys, rotations] = await Promise.all([
      keyQueries.list(this.db),
      keyQueries.listRotations(this.db),
    ]);
    return toTrustFile(keys, rotations);
  }

  /**
   * Makes a key active when none is, as the first start does with the
   * embedded key. Answers false when a key was active already.
   */
  async adopt(
    signer: Signer,
    encryptedPem: string,
    origin: KeyOrigin,
    since: Date,
  ): Promise<boolean> {
    return keyQueries.insert(this.db, {
      ...this.#newRow(signer, encryptedPem, origin),
      status: 'active',
      validFrom: since,
      validUntil: null,
    });
  }

  /**
   * Makes `next` the active key in one transaction: the outgoing key is
   * retired as of now and signs a statement naming its successor.
   */
  async rotate(next: KeyObject, origin: KeyOrigin): Promise<RotationResult> {
    const signer = toSigner(next);
    const encrypted = encryptCosignKey(next, this.password);
    const outgoing = await keyQueries.find(this.db, await this.#activeId());
    const outgoingSigner = outgoing ? this.#signerOf(outgoing) : null;
    return this.db.transaction(async (tx) => {
      const { key: active, now } = await keyQueries.lockActiveForRotation(tx);
      if (active?.keyId !== outgoing?.keyId) throw concurrentRotation();
      await assertNew(tx, signer.keyId);
      if (active) await keyQueries.retire(tx, active.keyId, now);
      await keyQueries.insert(tx, {
        ...this.#newRow(signer, encrypted, origin),
        status: 'active',
        validFrom: now,
        validUntil: null,
      });
      const rotation =
        active && outgoingSigner
          ? await recordRotation(tx, outgoingSigner, signer, now)
          : null;
      return {
        keyId: signer.keyId,
        previousKeyId: active?.keyId ?? null,
        rotation,
      };
    });
  }

  /**
   * Adds a key that signed bundles in the past, retired with the given
   * window, so that its bundles verify. It never signs again.
   */
  async importRetired(
    key: KeyObject,
    window: { from: Date; until: Date },
  ): Promise<string> {
    if (window.until < window.from) {
      throw new PackagerError(
        'DP_REQUEST_INVALID',
        'the validity window ends before it starts',
      );
    }
    const signer = toSigner(key);
    const inserted = await keyQueries.insert(this.db, {
      ...this.#newRow(signer, encryptCosignKey(key, this.password), 'imported'),
      status: 'retired',
      validFrom: window.from,
      validUntil: window.until,
    });
    if (!inserted) throw alreadyKnown(signer.keyId);
    return signer.keyId;
  }

  /**
   * Retires a key that no longer signs, optionally ending its window
   * earlier. The active key is retired only by a rotation.
   */
  async retire(keyId: string, until?: Date): Promise<StoredKey> {
    const key = await this.#find(keyId);
    if (key.status !== 'retired') {
      throw new PackagerError(
        'DP_KEY_STATE',
        key.status === 'active'
          ? `${keyId} is the active key: \`keys rotate\` retires it as a ` +
              'new key takes over'
          : `${keyId} is revoked; revocation is final`,
      );
    }
    if (until) {
      if (until < key.validFrom || (key.validUntil && until > key.validUntil)) {
        throw new PackagerError(
          'DP_REQUEST_INVALID',
          'a retired key can only have its validity window shortened',
        );
      }
      await keyQueries.setValidUntil(this.db, keyId, until);
    }
    return this.#find(keyId);
  }

  /**
   * Revokes a retired key: bundles it signed no longer verify. Revocation
   * and its published reason are final: revoking again with the same
   * reason changes nothing (changed is false), with another it is refused.
   */
  async revoke(keyId: string, reason: string): Promise<Revocation> {
    const key = await this.#find(keyId);
    if (key.status === 'active') {
      throw new PackagerError(
        'DP_KEY_STATE',
        `${keyId} is the active key: run \`keys rotate\` first, then ` +
          'revoke it',
      );
    }
    if (key.status === 'revoked') {
      if (key.revocationReason === reason) return { key, changed: false };
      throw new PackagerError(
        'DP_KEY_STATE',
        `${keyId} is already revoked, since ` +
          `${key.revokedAt?.toISOString() ?? 'an unknown date'}, for ` +
          `"${key.revocationReason ?? ''}"; revocation is final and its ` +
          'published reason is kept',
      );
    }
    // Only a retired key is revoked: a revocation that raced this one
    // keeps its own reason, and this one says so.
    if (!(await keyQueries.revoke(this.db, keyId, reason))) {
      return this.revoke(keyId, reason);
    }
    return { key: await this.#find(keyId), changed: true };
  }

  async #activeId(): Promise<string> {
    const keys = await keyQueries.list(this.db);
    return keys.find((k) => k.status === 'active')?.keyId ?? '';
  }

  async #find(keyId: string): Promise<StoredKey> {
    const key = await keyQueries.find(this.db, keyId);
    if (!key) {
      throw new PackagerError('DP_KEY_NOT_FOUND', `no signing key ${keyId}`);
    }
    return key;
  }

  #signerOf(key: StoredKey): Signer {
    const cached = this.#signers.get(key.keyId);
    if (cached) return cached;
    if (key.encryptedPrivateKey === null) {
      throw new PackagerError(
        'DP_KEY_UNAVAILABLE',
        `the private half of ${key.keyId} is not stored`,
      );
    }
    const signer = toSigner(
      decryptCosignKey(key.encryptedPrivateKey, this.password),
    );
    this.#signers.set(key.keyId, signer);
    return signer;
  }

  #newRow(signer: Signer, encrypted: string, origin: KeyOrigin) {
    this.#signers.set(signer.keyId, signer);
    return {
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      publicKeyPem: signer.publicKeyPem,
      encryptedPrivateKey: encrypted,
      origin,
      revokedAt: null,
      revocationReason: null,
    };
  }
}

/** A revoked key, and whether this call revoked it. */
export interface Revocation {
  key: StoredKey;
  changed: boolean;
}

export interface RotationResult {
  keyId: string;
  previousKeyId: string | null;
  rotation: StoredRotation | null;
}

async function recordRotation(
  tx: Queryable,
  outgoing: Signer,
  next: Signer,
  rotatedAt: Date,
): Promise<StoredRotation> {
  const statement = toRotationStatement(
    outgoing.keyId,
    next.publicKeyPem,
    rotatedAt,
  );
  const signature = toCosignSignature(
    await outgoing.sign(Buffer.from(statement, 'utf8')),
  );
  const rotation = {
    previousKeyId: outgoing.keyId,
    nextKeyId: next.keyId,
    rotatedAt,
    statement,
    signature,
  };
  await keyQueries.insertRotation(tx, rotation);
  return rotation;
}

async function assertNew(tx: Queryable, keyId: string): Promise<void> {
  if (await keyQueries.find(tx, keyId)) throw alreadyKnown(keyId);
}

function alreadyKnown(keyId: string): PackagerError {
  return new PackagerError(
    'DP_KEY_STATE',
    `${keyId} is already in the keyring; a key is used for one period only`,
  );
}

function concurrentRotation(): PackagerError {
  return new PackagerError(
    'DP_KEY_STATE',
    'another rotation changed the active key meanwhile; run it again',
  );
}
