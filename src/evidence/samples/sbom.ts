import type { LockedPackage, ProductInfo } from './lockfile.js';
import { SAMPLE_LABEL } from './seed.js';

/** What the CycloneDX document needs beyond the packages themselves. */
export interface SbomContext {
  product: ProductInfo;
  tenantId: string;
  tenantName: string;
  serialNumber: string;
  timestamp: string;
}

// Subresource Integrity names to CycloneDX hash algorithm names.
const HASH_ALGS: Record<string, string> = {
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

/** A CycloneDX 1.6 JSON SBOM of the given installed packages. */
export function toCycloneDx(
  packages: readonly LockedPackage[],
  context: SbomContext,
): Buffer {
  const { product } = context;
  const bom = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: context.serialNumber,
    version: 1,
    metadata: {
      timestamp: context.timestamp,
      tools: { components: [{ type: 'application', ...product }] },
      component: {
        type: 'application',
        'bom-ref': toPurl(product.name, product.version),
        name: product.name,
        version: product.version,
        purl: toPurl(product.name, product.version),
      },
      properties: [
        { name: SAMPLE_LABEL, value: 'true' },
        { name: 'disclosure-packager.dev/tenant', value: context.tenantId },
        {
          name: 'disclosure-packager.dev/tenant-name',
          value: context.tenantName,
        },
      ],
    },
    components: packages.map(toComponent),
  };
  return Buffer.from(`${JSON.stringify(bom, null, 2)}\n`, 'utf8');
}

/**
 * The package URL of an npm package: the scope's `@` is percent-encoded, as
 * the purl spec's npm type requires (`pkg:npm/%40scope/name@1.0.0`).
 */
export function toPurl(name: string, version: string): string {
  const path = name.split('/').map(encodeURIComponent).join('/');
  return `pkg:npm/${path}@${encodeURIComponent(version)}`;
}

function toComponent(pkg: LockedPackage) {
  const slash = pkg.name.startsWith('@') ? pkg.name.indexOf('/') : -1;
  const purl = toPurl(pkg.name, pkg.version);
  const hashes = toHashes(pkg.integrity);
  return {
    type: 'library',
    // The lock path, not the purl: two copies of one version may be nested.
    'bom-ref': pkg.path,
    ...(slash > 0 ? { group: pkg.name.slice(0, slash) } : {}),
    name: slash > 0 ? pkg.name.slice(slash + 1) : pkg.name,
    version: pkg.version,
    scope: pkg.dev || pkg.optional ? 'optional' : 'required',
    ...(hashes.length > 0 ? { hashes } : {}),
    ...(pkg.license ? { licenses: toLicenses(pkg.license) } : {}),
    purl,
    ...(pkg.resolved
      ? { externalReferences: [{ type: 'distribution', url: pkg.resolved }] }
      : {}),
    ...(pkg.dev
      ? { properties: [{ name: 'cdx:npm:package:development', value: 'true' }] }
      : {}),
  };
}

/** Subresource Integrity strings hold base64 digests; CycloneDX wants hex. */
function toHashes(integrity: string | undefined) {
  const hashes: { alg: string; content: string }[] = [];
  for (const token of (integrity ?? '').split(/\s+/)) {
    const dash = token.indexOf('-');
    const alg = HASH_ALGS[token.slice(0, dash)];
    if (dash < 0 || alg === undefined) continue;
    const content = Buffer.from(token.slice(dash + 1), 'base64').toString(
      'hex',
    );
    hashes.push({ alg, content });
  }
  return hashes;
}

/**
 * npm writes the package.json `license` verbatim. An SPDX expression goes in
 * `expression`; anything else ("SEE LICENSE IN …") is kept as a plain name.
 */
function toLicenses(license: string) {
  if (/^[A-Za-z0-9.+\-() ]+$/.test(license) && !/^SEE /i.test(license)) {
    return [{ expression: license }];
  }
  return [{ license: { name: license } }];
}
