import { createHash } from 'node:crypto';
import type { ProductInfo } from './lockfile.js';
import { SAMPLE_LABEL, SAMPLE_URL, toSeconds } from './seed.js';

/** What the provenance states about the run that wrote the SBOM. */
export interface ProvenanceContext {
  product: ProductInfo;
  tenantId: string;
  invocationId: string;
  startedMs: number;
  finishedMs: number;
  /** The lock file the SBOM was read from, digested as a resolved input. */
  lockBytes: Buffer;
}

/**
 * An in-toto Statement v1 whose subject is the SBOM and whose predicate is
 * SLSA Provenance v1. It claims only what happened: our sample generator read
 * package-lock.json and wrote the SBOM; it does not pretend to a CI build.
 */
export function toStatement(
  subjectName: string,
  subject: Buffer,
  context: ProvenanceContext,
): Buffer {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [
      {
        name: subjectName,
        digest: {
          sha256: hex('sha256', subject),
          sha512: hex('sha512', subject),
        },
        annotations: { [SAMPLE_LABEL]: 'true' },
      },
    ],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: `${SAMPLE_URL}/sbom-build/v1`,
        externalParameters: {
          tenantId: context.tenantId,
          lockfile: 'package-lock.json',
        },
        internalParameters: { [SAMPLE_LABEL]: 'true' },
        resolvedDependencies: [
          {
            name: 'package-lock.json',
            digest: { sha256: hex('sha256', context.lockBytes) },
          },
        ],
      },
      runDetails: {
        builder: {
          id: `${SAMPLE_URL}/builder`,
          version: { [context.product.name]: context.product.version },
        },
        metadata: {
          invocationId: context.invocationId,
          startedOn: toSeconds(context.startedMs),
          finishedOn: toSeconds(context.finishedMs),
        },
      },
    },
  };
  return Buffer.from(`${JSON.stringify(statement, null, 2)}\n`, 'utf8');
}

function hex(algorithm: 'sha256' | 'sha512', bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest('hex');
}
