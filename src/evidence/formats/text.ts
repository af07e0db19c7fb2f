import { X509Certificate } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { isCycloneDxXml, readCycloneDxXml } from './cyclonedx.js';
import {
  pemCertificates,
  pemLabels,
  privateKeyRefusal,
  readCertificates,
  readPublicKey,
} from './pem.js';
import { findPolicyReports, readPolicyReports } from './policyreport.js';
import { asDocument, type Detection } from './shared.js';
import { isSpdxTagValue, readSpdxTagValue } from './spdx.js';

/**
 * Detects PEM text: reads certificates and public keys from a file that
 * starts with PEM, and refuses any file holding a private key block
 * anywhere, even inside JSON, so that a key can never slip in.
 */
export function detectPem(text: string, fileName: string): Detection | null {
  const labels = pemLabels(text);
  const refusal = privateKeyRefusal(labels);
  if (refusal) return { type: 'unrecognised', reason: refusal };
  if (!text.trimStart().startsWith('-----BEGIN ')) return null;
  if (labels.includes('CERTIFICATE')) {
    const certs = pemCertificates(text);
    const mediaType = 'application/pem-certificate-chain';
    return asDocument(readCertificates(certs, fileName, mediaType));
  }
  if (labels.includes('PUBLIC KEY') || labels.includes('RSA PUBLIC KEY')) {
    return asDocument(readPublicKey(text, fileName));
  }
  return {
    type: 'unrecognised',
    reason: `PEM "${labels[0]}" blocks are not a supported kind of evidence`,
  };
}

/** Detects one DER-encoded X.509 certificate (binary `.crt`/`.der`). */
export function detectDerCertificate(
  bytes: Buffer,
  fileName: string,
): Detection | null {
  if (bytes[0] !== 0x30) return null;
  try {
    const cert = new X509Certificate(bytes);
    return asDocument(
      readCertificates([cert], fileName, 'application/pkix-cert'),
    );
  } catch {
    return null;
  }
}

/** Detects CycloneDX XML; XML with a DOCTYPE is refused outright. */
export function detectXml(text: string): Detection | null {
  if (!text.trimStart().startsWith('<')) return null;
  // CycloneDX never needs a DTD; refusing one rules out entity expansion.
  if (/<!DOCTYPE/i.test(text)) {
    return { type: 'unrecognised', reason: 'XML with a DOCTYPE is refused' };
  }
  if (!isCycloneDxXml(text)) {
    return { type: 'unrecognised', reason: 'XML that is not a CycloneDX BOM' };
  }
  const read = readCycloneDxXml(text);
  return typeof read === 'string'
    ? { type: 'unrecognised', reason: read }
    : asDocument(read);
}

/** Detects SPDX tag-value text. */
export function detectTagValue(text: string): Detection | null {
  return isSpdxTagValue(text) ? asDocument(readSpdxTagValue(text)) : null;
}

/**
 * Detects YAML policy reports, one or several documents, bare or in a
 * kubectl List. Any YAML syntax error means "not YAML" here.
 */
export function detectYaml(text: string): Detection | null {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return null;
  if (documents.some((doc) => doc.errors.length > 0)) return null;
  const values = documents.map((doc) => doc.toJS() as unknown);
  const reports = findPolicyReports(values);
  if (reports.length === 0) return null;
  const facts = readPolicyReports(reports, 'application/yaml');
  const others = values.length - values.filter((v) => v !== null).length;
  if (reports.length < values.length - others) {
    facts.warnings.push('some YAML documents are not policy reports');
  }
  return asDocument(facts);
}
