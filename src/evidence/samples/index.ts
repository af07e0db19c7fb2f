import { toAuditEvents } from './audit.js';
import { readLockBytes, readProduct, toLockedPackages } from './lockfile.js';
import { toPolicyReport } from './policy.js';
import { toStatement } from './provenance.js';
import { toCycloneDx } from './sbom.js';
import { daysBefore, seedFor, toSeconds } from './seed.js';
import { signSample } from './signature.js';

export { SAMPLE_LABEL } from './seed.js';

/** One file of sample evidence, ready to ingest. */
export interface SampleFile {
  name: string;
  bytes: Buffer;
}

/** Who the samples are for, when, and where the product's own lock file is. */
export interface SampleOptions {
  tenantId: string;
  tenantName: string;
  now: Date;
  /** The folder holding the product's package.json and package-lock.json. */
  packageRoot: string;
}

const SBOM_NAME = 'sample-sbom.cdx.json';

/**
 * Sample evidence of all five kinds for a demo tenant, dated inside the 30
 * days before `now`: an SBOM of the product's own dependencies, its SLSA
 * provenance, a detached signature and public key, Kubernetes audit events
 * and a policy report. Every file is labelled a sample. The bytes are the
 * same for the same (tenantId, now), except the signature (see signSample).
 */
export function generateSampleEvidence(options: SampleOptions): SampleFile[] {
  const { tenantId, tenantName, now, packageRoot } = options;
  const seed = seedFor(tenantId, now);
  const product = readProduct(packageRoot);
  const lockBytes = readLockBytes(packageRoot);

  // The SBOM is written during a short "build" a few days ago.
  const times = seed.derive('times');
  const startedMs = daysBefore(now, 3, times);
  const finishedMs = startedMs + 30_000 + times.int(60_000);
  const ids = seed.derive('ids');

  const sbom = toCycloneDx(toLockedPackages(lockBytes), {
    product,
    tenantId,
    tenantName,
    serialNumber: `urn:uuid:${ids.uuid()}`,
    timestamp: toSeconds(finishedMs - 1000),
  });
  const statement = toStatement(SBOM_NAME, sbom, {
    product,
    tenantId,
    invocationId: ids.uuid(),
    startedMs,
    finishedMs,
    lockBytes,
  });
  const { signature, publicKeyPem } = signSample(tenantId, sbom);
  const events = toAuditEvents(now, seed.derive('audit'));
  const report = toPolicyReport(daysBefore(now, 1, times));

  return [
    { name: SBOM_NAME, bytes: sbom },
    { name: `${SBOM_NAME}.sig`, bytes: signature },
    { name: 'sample-signing-key.pub', bytes: publicKeyPem },
    { name: 'sample-provenance.intoto.json', bytes: statement },
    { name: 'sample-audit-events.jsonl', bytes: events },
    { name: 'sample-policy-report.yaml', bytes: report },
  ];
}
