import { createHash, createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, type TrustMaterial } from '@sigstore/verify';

/**
 * Verifies a key-only Sigstore bundle with @sigstore/verify, trusting
 * nothing but the given public key (no transparency log, no timestamps).
 * @sigstore/verify does not compare the bundle's message digest with the
 * artifact, so that is checked here first. Throws on any failure.
 */
export function verifyWithSigstore(
  json: object,
  artifact: Buffer,
  publicKeyPem: string,
): void {
  const bundle = bundleFromJSON(json);
  const content = bundle.content;
  if (content.$case !== 'messageSignature') {
    throw new Error('expected a message signature bundle');
  }
  const digest = createHash('sha256').update(artifact).digest();
  if (
    !Buffer.from(content.messageSignature.messageDigest?.digest ?? []).equals(
      digest,
    )
  ) {
    throw new Error('the bundle message digest does not match the artifact');
  }
  const publicKey = createPublicKey(publicKeyPem);
  const hint = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: (given) => {
      if (given !== hint) throw new Error(`no trusted key for hint ${given}`);
      return { publicKey, validFor: () => true };
    },
  };
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle, artifact));
}
