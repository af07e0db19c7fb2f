import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import path from 'node:path';
import { identityOf } from './identity.js';
import type { DocumentFacts } from './shared.js';

const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** The labels of the PEM blocks in a text, in order. */
export function pemLabels(text: string): string[] {
  return [...text.matchAll(PEM_LABEL)].map((m) => m[1] ?? '');
}

/**
 * A refusal when the text holds a private key of any kind (PKCS#8, RSA,
 * EC, OpenSSH, and the encrypted Cosign and Sigstore formats alike).
 */
export function privateKeyRefusal(labels: string[]): string | null {
  const label = labels.find((l) => l.includes('PRIVATE KEY'));
  return label
    ? `a private key (PEM "${label}"); private keys are never ingested, ` +
        'keep them out of the evidence store'
    : null;
}

/**
 * The file a detached signature, certificate or key belongs to, when the
 * name says so: `blob.txt.sig` is about `blob.txt`, `cosign.pub` is not
 * about any file in particular.
 */
export function signedFileOf(fileName: string): string | null {
  const base = path.basename(fileName);
  const rest = base.slice(0, base.length - path.extname(base).length);
  return path.extname(rest) ? rest : null;
}

/** Reads a PEM public key: its algorithm, size and fingerprint. */
export function readPublicKey(text: string, fileName: string): DocumentFacts {
  const key = createPublicKey(text);
  const der = key.export({ type: 'spki', format: 'der' });
  const details = key.asymmetricKeyDetails ?? {};
  return {
    kind: 'signatures',
    format: 'public-key',
    specVersion: null,
    mediaType: 'application/x-pem-file',
    eventTime: null,
    eventTimeRule: null,
    metadata: {
      keyAlgorithm: key.asymmetricKeyType ?? null,
      curve: details.namedCurve ?? null,
      keySize: details.modulusLength ?? null,
      spkiSha256: createHash('sha256').update(der).digest('hex'),
      signs: signedFileOf(fileName),
    },
    warnings: [],
  };
}

/**
 * Reads X.509 certificates (PEM, or one DER certificate). The time is the
 * first certificate's notBefore: when the signing identity came to be.
 * Of an e-mail identity only the domain is kept (identityOf): the
 * address is personal data.
 */
export function readCertificates(
  certificates: X509Certificate[],
  fileName: string,
  mediaType: string,
): DocumentFacts {
  const [leaf] = certificates;
  if (!leaf) throw new Error('no certificate to read');
  const key = leaf.publicKey;
  return {
    kind: 'signatures',
    format: 'certificate',
    specVersion: null,
    mediaType,
    eventTime: new Date(leaf.validFrom),
    eventTimeRule: 'certificate notBefore',
    metadata: {
      certificateCount: certificates.length,
      subject: leaf.subject || null,
      issuer: leaf.issuer || null,
      serialNumber: leaf.serialNumber,
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      keyAlgorithm: key.asymmetricKeyType ?? null,
      curve: key.asymmetricKeyDetails?.namedCurve ?? null,
      fingerprintSha256: leaf.fingerprint256,
      signingIdentity: identityOf(leaf),
      signs: signedFileOf(fileName),
    },
    warnings: [],
  };
}

/** Splits PEM text into its CERTIFICATE blocks, parsed. */
export function pemCertificates(text: string): X509Certificate[] {
  const blocks = text.match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  return (blocks ?? []).map((block) => new X509Certificate(block));
}
