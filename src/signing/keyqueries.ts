import type { Queryable } from '../db/index.js';
import type { SigningAlgorithm } from './algorithms.js';

export type KeyStatus = 'active' | 'retired' | 'revoked';
export type KeyOrigin = 'embedded' | 'generated' | 'imported';

/** A row of signing_keys. */
export interface StoredKey {
  keyId: string;
  algorithm: SigningAlgorithm;
  publicKeyPem: string;
  encryptedPrivateKey: string | null;
  origin: KeyOrigin;
  status: KeyStatus;
  validFrom: Date;
  validUntil: Date | null;
  revokedAt: Date | null;
  revocationReason: string | null;
}

/** A row of signing_key_rotations. */
export interface StoredRotation {
  previousKeyId: string;
  nextKeyId: string;
  rotatedAt: Date;
  statement: string;
  signature: string;
}

interface KeyRow {
  key_id: string;
  algorithm: SigningAlgorithm;
  public_key_pem: string;
  encrypted_private_key: string | null;
  origin: KeyOrigin;
  status: KeyStatus;
  valid_from: Date;
  valid_until: Date | null;
  revoked_at: Date | null;
  revocation_reason: string | null;
}

interface RotationRow {
  previous_key_id: string;
  next_key_id: string;
  rotated_at: Date;
  statement: string;
  signature: string;
}

/** Every statement on signing_keys and signing_key_rotations. */
export const keyQueries = {
  async list(db: Queryable): Promise<StoredKey[]> {
    const { rows } = await db.query<KeyRow>(
      'SELECT * FROM signing_keys ORDER BY valid_from, key_id',
    );
    return rows.map(toKey);
  },

  async find(db: Queryable, keyId: string): Promise<StoredKey | null> {
    const { rows } = await db.query<KeyRow>(
      'SELECT * FROM signing_keys WHERE key_id = $1',
      [keyId],
    );
    return rows[0] ? toKey(rows[0]) : null;
  },

  /**
   * The active key, share-locked, with the database clock read after the
   * lock: a rotation waits for this transaction, so the time is before the
   * moment the rotation ends this key's validity.
   */
  async lockActive(
    db: Queryable,
  ): Promise<{ key: StoredKey; now: Date } | null> {
    const { rows } = await db.query<KeyRow>(
      "SELECT * FROM signing_keys WHERE status = 'active' FOR SHARE",
    );
    if (!rows[0]) return null;
    return { key: toKey(rows[0]), now: await clock(db) };
  },

  /** The active key, locked against other rotations, and the clock. */
  async lockActiveForRotation(
    db: Queryable,
  ): Promise<{ key: StoredKey | null; now: Date }> {
    const { rows } = await db.query<KeyRow>(
      "SELECT * FROM signing_keys WHERE status = 'active' FOR UPDATE",
    );
    return { key: rows[0] ? toKey(rows[0]) : null, now: await clock(db) };
  },

  /** Inserts a key; false when it exists or another key is active. */
  async insert(db: Queryable, key: StoredKey): Promise<boolean> {
    const { rows } = await db.query(
      `INSERT INTO signing_keys (key_id, algorithm, public_key_pem,
         encrypted_private_key, origin, status, valid_from, valid_until,
         revoked_at, revocation_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT DO NOTHING RETURNING key_id`,
      [
        key.keyId,
        key.algorithm,
        key.publicKeyPem,
        key.encryptedPrivateKey,
        key.origin,
        key.status,
        key.validFrom,
        key.validUntil,
        key.revokedAt,
        key.revocationReason,
      ],
    );
    return rows.length === 1;
  },

  async retire(db: Queryable, keyId: string, until: Date): Promise<void> {
    await db.query(
      `UPDATE signing_keys SET status = 'retired', valid_until = $2
       WHERE key_id = $1`,
      [keyId, until],
    );
  },

  async setValidUntil(db: Queryable, keyId: string, until: Date) {
    await db.query(
      'UPDATE signing_keys SET valid_until = $2 WHERE key_id = $1',
      [keyId, until],
    );
  },

  /** Revokes a retired key; null when it was no longer retired. */
  async revoke(
    db: Queryable,
    keyId: string,
    reason: string,
  ): Promise<Date | null> {
    const { rows } = await db.query<{ revoked_at: Date }>(
      `UPDATE signing_keys SET status = 'revoked',
         revoked_at = clock_timestamp(), revocation_reason = $2
       WHERE key_id = $1 AND status = 'retired' RETURNING revoked_at`,
      [keyId, reason],
    );
    return rows[0]?.revoked_at ?? null;
  },

  async insertRotation(db: Queryable, rotation: StoredRotation) {
    await db.query(
      `INSERT INTO signing_key_rotations (next_key_id, previous_key_id,
         rotated_at, statement, signature) VALUES ($1, $2, $3, $4, $5)`,
      [
        rotation.nextKeyId,
        rotation.previousKeyId,
        rotation.rotatedAt,
        rotation.statement,
        rotation.signature,
      ],
    );
  },

  async listRotations(db: Queryable): Promise<StoredRotation[]> {
    const { rows } = await db.query<RotationRow>(
      'SELECT * FROM signing_key_rotations ORDER BY rotated_at, next_key_id',
    );
    return rows.map((row) => ({
      previousKeyId: row.previous_key_id,
      nextKeyId: row.next_key_id,
      rotatedAt: row.rotated_at,
      statement: row.statement,
      signature: row.signature,
    }));
  },
};

async function clock(db: Queryable): Promise<Date> {
  const { rows } = await db.query<{ now: Date }>(
    'SELECT clock_timestamp() AS now',
  );
  return rows[0]?.now ?? new Date();
}

function toKey(row: KeyRow): StoredKey {
  return {
    keyId: row.key_id,
    algorithm: row.algorithm,
    publicKeyPem: row.public_key_pem,
    encryptedPrivateKey: row.encrypted_private_key,
    origin: row.origin,
    status: row.status,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
  };
}
