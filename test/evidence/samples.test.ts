import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  generateSampleEvidence,
  SAMPLE_LABEL,
  type SampleFile,
} from '../../src/evidence/samples/index.js';

const packageRoot = join(import.meta.dirname, '..', '..');
const now = new Date('2025-03-15T10:20:30.456Z');
const windowStart = now.getTime() - 30 * 24 * 60 * 60 * 1000;

function generate(tenantId = 'acme'): SampleFile[] {
  return generateSampleEvidence({
    tenantId,
    tenantName: 'Acme Corp',
    now,
    packageRoot,
  });
}

function file(files: SampleFile[], name: string): Buffer {
  const found = files.find((f) => f.name === name);
  if (!found) throw new Error(`no sample file ${name}`);
  return found.bytes;
}

function json<T = Record<string, unknown>>(bytes: Buffer): T {
  return JSON.parse(bytes.toString('utf8')) as T;
}

function isInWindow(time: string): boolean {
  const ms = Date.parse(time);
  return ms >= windowStart && ms < now.getTime();
}

interface Bom {
  specVersion: string;
  serialNumber: string;
  metadata: {
    timestamp: string;
    component: { name: string };
    properties: { name: string; value: string }[];
  };
  components: { purl: string; hashes?: { alg: string; content: string }[] }[];
}

describe('generateSampleEvidence', () => {
  const files = generate();

  it('names every file as a sample', () => {
    expect(files.map((f) => f.name).every((n) => n.startsWith('sample-'))).toBe(
      true,
    );
  });

  describe('the SBOM', () => {
    const bom = json<Bom>(file(files, 'sample-sbom.cdx.json'));
    const lock = json<{ packages: Record<string, unknown> }>(
      readFileSync(join(packageRoot, 'package-lock.json')),
    );

    it('is CycloneDX 1.6 about the product, labelled a sample', () => {
      expect(bom.specVersion).toBe('1.6');
      expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(bom.metadata.component.name).toBe('disclosure-packager');
      expect(bom.metadata.properties).toContainEqual({
        name: SAMPLE_LABEL,
        value: 'true',
      });
      expect(isInWindow(bom.metadata.timestamp)).toBe(true);
    });

    it('lists one component per installed package in the lock', () => {
      const installed = Object.keys(lock.packages).filter((k) => k !== '');
      expect(bom.components).toHaveLength(installed.length);
    });

    it('gives every component a valid npm purl', () => {
      const purl = /^pkg:npm\/(%40[^/@]+\/)?[^/@%]+@[^@/]+$/;
      for (const c of bom.components) expect(c.purl).toMatch(purl);
      const scoped = bom.components.filter((c) => c.purl.includes('%40'));
      expect(scoped.length).toBeGreaterThan(0);
    });

    it('turns sha512 integrity into a 128-digit hex SHA-512', () => {
      const hash = bom.components[0]?.hashes?.[0];
      expect(hash?.alg).toBe('SHA-512');
      expect(hash?.content).toMatch(/^[0-9a-f]{128}$/);
    });
  });

  it('signs the SBOM so node:crypto verifies it with the public key', () => {
    const sig = file(files, 'sample-sbom.cdx.json.sig').toString('utf8');
    const key = createPublicKey(file(files, 'sample-signing-key.pub'));
    expect(sig).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const sbom = file(files, 'sample-sbom.cdx.json');
    expect(verify('sha256', sbom, key, Buffer.from(sig, 'base64'))).toBe(true);
  });

  it('gives the statement the exact SBOM digests as its subject', () => {
    const sbom = file(files, 'sample-sbom.cdx.json');
    const statement = json<{
      _type: string;
      predicateType: string;
      subject: { name: string; digest: Record<string, string> }[];
      predicate: { runDetails: { metadata: Record<string, string> } };
    }>(file(files, 'sample-provenance.intoto.json'));
    expect(statement._type).toBe('https://in-toto.io/Statement/v1');
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject).toEqual([
      expect.objectContaining({
        name: 'sample-sbom.cdx.json',
        digest: {
          sha256: createHash('sha256').update(sbom).digest('hex'),
          sha512: createHash('sha512').update(sbom).digest('hex'),
        },
      }),
    ]);
    const { startedOn, finishedOn } = statement.predicate.runDetails.metadata;
    expect(isInWindow(startedOn ?? '') && isInWindow(finishedOn ?? '')).toBe(
      true,
    );
  });

  it('dates every audit event inside [now - 30 days, now)', () => {
    const lines = file(files, 'sample-audit-events.jsonl')
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(30);
    for (const line of lines) {
      const event = json<Record<string, string>>(Buffer.from(line));
      expect(event.apiVersion).toBe('audit.k8s.io/v1');
      expect(event.requestReceivedTimestamp).toMatch(/\.\d{6}Z$/);
      expect(isInWindow(event.requestReceivedTimestamp ?? '')).toBe(true);
      expect(isInWindow(event.stageTimestamp ?? '')).toBe(true);
    }
  });

  it('writes a policy report whose summary counts its results', () => {
    const report = parse(
      file(files, 'sample-policy-report.yaml').toString('utf8'),
    ) as {
      kind: string;
      metadata: { creationTimestamp: string };
      summary: Record<string, number>;
      results: { result: string }[];
    };
    expect(report.kind).toBe('PolicyReport');
    expect(isInWindow(report.metadata.creationTimestamp)).toBe(true);
    for (const outcome of ['pass', 'fail', 'warn']) {
      const counted = report.results.filter((r) => r.result === outcome);
      expect(report.summary[outcome]).toBe(counted.length);
    }
  });

  it('gives the same bytes for the same inputs, but for the signature', () => {
    const again = generate();
    for (const [i, f] of files.entries()) {
      if (f.name.endsWith('.sig')) continue;
      expect(again[i]?.name).toBe(f.name);
      expect(again[i]?.bytes.equals(f.bytes)).toBe(true);
    }
  });

  it('gives another tenant its own key and audit ids', () => {
    const other = generate('globex');
    const names = ['sample-signing-key.pub', 'sample-audit-events.jsonl'];
    for (const name of names) {
      expect(file(other, name).equals(file(files, name))).toBe(false);
    }
  });
});
