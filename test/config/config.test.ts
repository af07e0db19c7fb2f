import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

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
});
