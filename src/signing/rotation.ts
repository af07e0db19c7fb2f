import { verifyBlobSignature } from './formats.js';
import { keyIdOf } from './signer.js';

/** The statement type a rotation record carries. */
export const ROTATION_STATEMENT_TYPE =
  'https://disclosure-packager.dev/key-rotation/v1';

/** What the outgoing key says when it hands over to the next one. */
export interface RotationStatement {
  type: typeof ROTATION_STATEMENT_TYPE;
  previousKeyId: string;
  nextKeyId: string;
  nextPublicKeyPem: string;
  rotatedAt: string;
}

/** A published rotation: the exact signed text and its cosign signature. */
export interface RotationRecord {
  previousKeyId: string;
  nextKeyId: string;
  rotatedAt: string;
  /** The signed bytes, as UTF-8 JSON text. */
  statement: string;
  /** Base64 signature of `statement` by the previous key. */
  signature: string;
}

/** The text the outgoing key signs: compact JSON, fields in this order. */
export function toRotationStatement(
  previousKeyId: string,
  nextPublicKeyPem: string,
  rotatedAt: Date,
): string {
  const statement: RotationStatement = {
    type: ROTATION_STATEMENT_TYPE,
    previousKeyId,
    nextKeyId: keyIdOf(nextPublicKeyPem),
    nextPublicKeyPem,
    rotatedAt: rotatedAt.toISOString(),
  };
  return JSON.stringify(statement);
}

/**
 * Checks one published rotation against the previous key's PEM and the
 * next key's PEM. Answers null when it holds, else why not.
 */
export function checkRotation(
  record: RotationRecord,
  previousPem: string | undefined,
  nextPem: string | undefined,
): string | null {
  const name = `rotation ${short(record.previousKeyId)} → ${short(record.nextKeyId)}`;
  if (previousPem === undefined || nextPem === undefined) {
    return `${name} names a key the list does not hold`;
  }
  const signed = Buffer.from(record.statement, 'utf8');
  if (!verifyBlobSignature(signed, record.signature, previousPem)) {
    return `${name} is not signed by the previous key`;
  }
  const said = parseStatement(record.statement);
  const agrees =
    said !== null &&
    said.previousKeyId === record.previousKeyId &&
    said.nextKeyId === record.nextKeyId &&
    said.rotatedAt === record.rotatedAt &&
    sameKey(said.nextPublicKeyPem, nextPem);
  return agrees ? null : `${name}: its signed statement says otherwise`;
}

function sameKey(a: string, b: string): boolean {
  try {
    return keyIdOf(a) === keyIdOf(b);
  } catch {
    return false;
  }
}

function parseStatement(text: string): RotationStatement | null {
  try {
    const value = JSON.parse(text) as Partial<RotationStatement>;
    const ok =
      value.type === ROTATION_STATEMENT_TYPE &&
      typeof value.previousKeyId === 'string' &&
      typeof value.nextKeyId === 'string' &&
      typeof value.nextPublicKeyPem === 'string' &&
      typeof value.rotatedAt === 'string';
    return ok ? (value as RotationStatement) : null;
  } catch {
    return null;
  }
}

/** The first 12 hex digits of a key id, for messages. */
export function short(keyId: string): string {
  return keyId.replace(/^sha256:/, '').slice(0, 12);
}
