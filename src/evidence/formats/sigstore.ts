import { X509Certificate } from 'node:crypto';
import { identityOf } from './identity.js';
import {
  earliest,
  pickTime,
  isObject,
  toList,
  toObjects,
  toText,
  type DocumentFacts,
  type JsonObject,
} from './shared.js';
import { envelopeFacts } from './dsse.js';

// Bundle media types per the Sigstore bundle spec: v0.1 and v0.2 carry a
// version parameter, v0.3 onwards put the version in the subtype.
const MEDIA_TYPE =
  /^application\/vnd\.dev\.sigstore\.bundle(?:\.v(\d+\.\d+))?\+json(?:;\s*version=(\d+\.\d+))?$/;

/** True for a Sigstore bundle of any published version. */
export function isSigstoreBundle(value: JsonObject): boolean {
  return (
    typeof value.mediaType === 'string' &&
    MEDIA_TYPE.test(value.mediaType) &&
    isObject(value.verificationMaterial)
  );
}

/**
 * Reads a Sigstore bundle. A bundle around a DSSE envelope is an
 * attestation; a bundle holding a plain message signature signs a blob,
 * so it is filed with the signatures.
 */
export function readSigstoreBundle(bundle: JsonObject): DocumentFacts {
  const mediaType = String(bundle.mediaType);
  const match = MEDIA_TYPE.exec(mediaType);
  const material = bundle.verificationMaterial as JsonObject;
  const tlog = toObjects(material.tlogEntries);
  const dsse = isObject(bundle.dsseEnvelope) ? bundle.dsseEnvelope : null;
  const envelope = dsse ? envelopeFacts(dsse) : null;
  const loggedAt = earliest(tlog.map((e) => fromEpoch(e.integratedTime)));
  const certificate = certificateOf(material);
  return {
    kind: dsse ? 'attestations' : 'signatures',
    format: 'sigstore-bundle',
    specVersion: match?.[1] ?? match?.[2] ?? null,
    mediaType,
    ...pickTime(
      [loggedAt, 'earliest tlogEntries[].integratedTime'],
      envelope?.time ?? [null, 'none'],
    ),
    metadata: {
      content: dsse ? 'dsseEnvelope' : contentOf(bundle),
      verificationMaterial: materialOf(material),
      signingIdentity: certificate ? identityOf(certificate) : null,
      certificateFingerprintSha256: certificate?.fingerprint256 ?? null,
      tlogEntryCount: tlog.length,
      tlogKinds: tlog.map((e) => toText(pickKind(e))),
      tlogEntries: tlog.map(tlogEntryOf),
      integratedTime: loggedAt?.toISOString() ?? null,
      rfc3161TimestampCount: timestampCount(material),
      ...(isObject(bundle.messageSignature)
        ? { messageDigest: bundle.messageSignature.messageDigest ?? null }
        : {}),
      ...(envelope?.facts ?? {}),
    },
    warnings: [
      ...(envelope?.warnings ?? []),
      ...(dsse || isObject(bundle.messageSignature)
        ? []
        : ['the bundle has neither a dsseEnvelope nor a messageSignature']),
    ],
  };
}

// The leaf certificate: v0.3 has `certificate`, v0.1/v0.2 a chain.
function certificateOf(material: JsonObject): X509Certificate | null {
  const chain = isObject(material.x509CertificateChain)
    ? toObjects(material.x509CertificateChain.certificates)[0]
    : null;
  const leaf = isObject(material.certificate) ? material.certificate : chain;
  const raw = leaf ? toText(leaf.rawBytes) : null;
  if (!raw) return null;
  try {
    return new X509Certificate(Buffer.from(raw, 'base64'));
  } catch {
    return null;
  }
}

// Where a transparency log entry can be looked up again.
function tlogEntryOf(entry: JsonObject) {
  const logId = isObject(entry.logId) ? toText(entry.logId.keyId) : null;
  const time = fromEpoch(entry.integratedTime);
  return {
    // Rekor writes int64 as a JSON string; older bundles as a number.
    logIndex:
      typeof entry.logIndex === 'number'
        ? String(entry.logIndex)
        : toText(entry.logIndex),
    logId,
    kind: toText(pickKind(entry)),
    integratedTime: time ? time.toISOString() : null,
  };
}

function contentOf(bundle: JsonObject): string | null {
  return isObject(bundle.messageSignature) ? 'messageSignature' : null;
}

function materialOf(material: JsonObject): string | null {
  const kinds = ['certificate', 'x509CertificateChain', 'publicKey'];
  return kinds.find((kind) => kind in material) ?? null;
}

function pickKind(entry: JsonObject): unknown {
  return isObject(entry.kindVersion) ? entry.kindVersion.kind : null;
}

function timestampCount(material: JsonObject): number {
  const data = material.timestampVerificationData;
  return isObject(data) ? toList(data.rfc3161Timestamps).length : 0;
}

// Rekor's integratedTime is Unix seconds, as a string in the JSON form.
function fromEpoch(value: unknown): Date | null {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) return null;
  return new Date(seconds * 1000);
}
