import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Tenant } from '../domain/index.js';
import type { ObjectStore } from '../storage/index.js';
import { ingestPaths, type IngestSummary } from './ingest.js';
import { generateSampleEvidence } from './samples/index.js';
import type { EvidenceStore } from './store.js';

/** The two demo tenants an empty embedded store is seeded with. */
export const DEMO_TENANTS: readonly Tenant[] = Object.freeze([
  { id: 'acme', name: 'Acme Corp (sample)', sample: true },
  { id: 'globex', name: 'Globex Corporation (sample)', sample: true },
]);

export interface SeedResult {
  seeded: boolean;
  tenants: { tenant: Tenant; summary: IngestSummary }[];
}

/**
 * Seeds the demo tenants with the product's own sample evidence, dated in
 * the 30 days before `now` — only when the store has no tenant at all, so
 * a real installation is never touched.
 */
export async function seedDemoTenants(options: {
  store: EvidenceStore;
  objects: ObjectStore;
  packageRoot: string;
  now: Date;
}): Promise<SeedResult> {
  const { store, objects } = options;
  if ((await store.listTenants()).length > 0) {
    return { seeded: false, tenants: [] };
  }
  const result: SeedResult = { seeded: true, tenants: [] };
  for (const tenant of DEMO_TENANTS) {
    await store.saveTenant(tenant);
    const dir = await writeSamples(tenant, options);
    try {
      const summary = await ingestPaths({
        tenantId: tenant.id,
        paths: [dir],
        store,
        objects,
        now: () => options.now,
      });
      result.tenants.push({ tenant, summary });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return result;
}

async function writeSamples(
  tenant: Tenant,
  options: { packageRoot: string; now: Date },
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `dp-samples-${tenant.id}-`));
  const files = generateSampleEvidence({
    tenantId: tenant.id,
    tenantName: tenant.name,
    now: options.now,
    packageRoot: options.packageRoot,
  });
  for (const file of files) {
    await writeFile(path.join(dir, file.name), file.bytes);
  }
  return dir;
}
