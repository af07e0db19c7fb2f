import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { policiesFromFile } from '../../src/redaction/index.js';

function aPolicyFile(content: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dp-policy-'));
  const file = path.join(dir, 'policies.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('loadConfig', () => {
  it('has job settings with documented defaults', () => {
    expect(loadConfig({}, {}).jobs).toEqual({
      leaseSeconds: 30,
      maxAttempts: 5,
      retryBaseSeconds: 5,
      retryMaxSeconds: 300,
      sourceRetries: 3,
      sourceRetryBaseMs: 500,
      timeoutSeconds: 21_600,
      shutdownGraceSeconds: 30,
      maxWindowDays: 400,
      maxActivePerTenant: 5,
      bundleWarnBytes: 5_000_000_000,
      bundleMaxBytes: 50_000_000_000,
      dlpAction: 'fail',
      failpoints: '',
    });
  });

  it('reads each job setting from its environment variable', () => {
    const { jobs } = loadConfig(
      {},
      {
        DP_JOB_LEASE_SECONDS: '12',
        DP_MAX_ACTIVE_JOBS_PER_TENANT: '9',
        DP_BUNDLE_MAX_BYTES: '1000',
        DP_FAILPOINTS: 'fetch.sboms=fail(2)',
      },
    );
    expect(jobs).toMatchObject({
      leaseSeconds: 12,
      maxActivePerTenant: 9,
      bundleMaxBytes: 1000,
      failpoints: 'fetch.sboms=fail(2)',
    });
  });

  it('names the variable of every setting it refuses, all at once', () => {
    expect(() =>
      loadConfig(
        {},
        {
          DP_JOB_LEASE_SECONDS: '1',
          DP_MAX_WINDOW_DAYS: 'many',
          DP_FAILPOINTS: 'publish.after=explode',
        },
      ),
    ).toThrow(
      /jobs\.leaseSeconds \(DP_JOB_LEASE_SECONDS\).*\n.*jobs\.maxWindowDays \(DP_MAX_WINDOW_DAYS\).*\n.*jobs\.failpoints \(DP_FAILPOINTS\): DP_FAILPOINTS: cannot read "publish\.after=explode"/,
    );
  });

  it('reads DP_INGEST_STREAM_FROM_BYTES, 8 MiB unless set, and refuses a negative size', () => {
    expect(loadConfig({}, {}).ingestStreamFromBytes).toBe(8 * 1024 * 1024);
    expect(
      loadConfig({}, { DP_INGEST_STREAM_FROM_BYTES: '0' })
        .ingestStreamFromBytes,
    ).toBe(0);
    expect(() => loadConfig({}, { DP_INGEST_STREAM_FROM_BYTES: '-1' })).toThrow(
      /ingestStreamFromBytes \(DP_INGEST_STREAM_FROM_BYTES\)/,
    );
  });

  it('refuses a DP_URL_ALLOW_LIST entry that could never match, by name', () => {
    expect(
      loadConfig({}, { DP_URL_ALLOW_LIST: 'localhost, 10.0.0.0/8, fd00::/8' })
        .security.urlAllowList,
    ).toEqual(['localhost', '10.0.0.0/8', 'fd00::/8']);
    for (const entry of ['10.0.0.0/33', 'bad host!', '10.0.0.1/x']) {
      expect(() => loadConfig({}, { DP_URL_ALLOW_LIST: entry })).toThrow(
        /security\.urlAllowList\.0 \(DP_URL_ALLOW_LIST\): /,
      );
    }
  });

  describe('redaction settings', () => {
    it('reads DP_DLP_ACTION and refuses an unknown action by name', () => {
      const env = { DP_DLP_ACTION: 'quarantine' };
      expect(loadConfig({}, env).jobs.dlpAction).toBe('quarantine');
      expect(() => loadConfig({}, { DP_DLP_ACTION: 'ignore' })).toThrow(
        /jobs\.dlpAction \(DP_DLP_ACTION\)/,
      );
    });

    it('refuses a policy file that does not match the format at start-up', () => {
      const file = aPolicyFile({
        tenants: { acme: { name: 'x', detectors: { email: 'blur' } } },
      });
      expect(() => loadConfig({}, { DP_REDACTION_POLICY_FILE: file })).toThrow(
        /redactionPolicyFile \(DP_REDACTION_POLICY_FILE\).*invalid/s,
      );
    });

    it("gives each tenant its own policy, else the file's default", () => {
      const file = aPolicyFile({
        default: { name: 'house', detectors: { email: 'mask' } },
        tenants: { acme: { name: 'acme-1', detectors: { ipv4: 'drop' } } },
      });
      const config = loadConfig({}, { DP_REDACTION_POLICY_FILE: file });
      const policies = policiesFromFile(config.redactionPolicyFile);
      expect(policies.forTenant('acme').name).toBe('acme-1');
      expect(policies.forTenant('acme').detectors).toEqual({ ipv4: 'drop' });
      expect(policies.forTenant('globex').name).toBe('house');
    });

    it('gives every tenant the default policy without a file', () => {
      const policies = policiesFromFile(loadConfig({}, {}).redactionPolicyFile);
      expect(policies.forTenant('acme').name).toBe('default');
      expect(policies.forTenant('acme').documents).toEqual([]);
    });
  });
});
