import { createReadStream } from 'node:fs';
import { toSignatureDer, verifyStream } from '../signing/index.js';
import type { Problem } from './problems.js';

/**
 * Checks the detached signature of the whole ZIP (bundle.zip.sig), reading
 * the file as a stream. The signature is read as cosign reads it.
 */
export async function checkZipSignature(
  zipPath: string,
  signature: Buffer,
  publicKeyPem: string | null,
  problems: Problem[],
): Promise<void> {
  const der = toSignatureDer(signature);
  const valid =
    der !== null &&
    publicKeyPem !== null &&
    (await verifyStream(createReadStream(zipPath), der, publicKeyPem));
  if (!valid) {
    problems.push({
      code: 'zip-signature-invalid',
      message: 'the ZIP signature does not verify with the signing key',
    });
  }
}
