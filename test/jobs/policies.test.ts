import { describe, expect, it } from 'vitest';
import { etaSecondsOf } from '../../src/api/present.js';
import { PackagerError } from '../../src/domain/index.js';
import {
  Failpoints,
  backoffDelay,
  classifyFailure,
} from '../../src/jobs/index.js';

describe('backoffDelay', () => {
  const policy = { baseMs: 1000, maxMs: 30_000 };

  it('doubles each retry, between half and all of the ceiling', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 3, () => 0)).toBe(2000);
    expect(backoffDelay(policy, 3, () => 1)).toBe(4000);
  });

  it('never grows past the maximum', () => {
    expect(backoffDelay(policy, 50, () => 1)).toBe(30_000);
    expect(backoffDelay(policy, 50, () => 0)).toBe(15_000);
  });

  it('spreads retries out (jitter)', () => {
    const delays = new Set(
      Array.from({ length: 20 }, () => backoffDelay(policy, 4)),
    );
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe('classifyFailure', () => {
  it.each([
    [new PackagerError('DP_SOURCE_UNAVAILABLE', 'x'), 'DP_SOURCE_UNAVAILABLE'],
    [
      new Error('Connection terminated unexpectedly'),
      'DP_DATABASE_UNAVAILABLE',
    ],
    [
      Object.assign(new Error('x'), { code: '57P01' }),
      'DP_DATABASE_UNAVAILABLE',
    ],
    [
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      'DP_SOURCE_UNAVAILABLE',
    ],
    [Object.assign(new Error('x'), { code: 'EIO' }), 'DP_STORAGE_UNAVAILABLE'],
    [
      new PackagerError('DP_EXPORT_FAILED', 'wrapped', {
        cause: Object.assign(new Error('x'), { code: 'ENOSPC' }),
      }),
      'DP_STORAGE_UNAVAILABLE',
    ],
  ])('calls %s transient (%s)', (error, code) => {
    expect(classifyFailure(error)).toMatchObject({
      transient: true,
      error: { code },
    });
  });

  it.each([
    [new PackagerError('DP_EVIDENCE_CORRUPT', 'bad'), 'DP_EVIDENCE_CORRUPT'],
    [new PackagerError('DP_BUNDLE_TOO_LARGE', 'big'), 'DP_BUNDLE_TOO_LARGE'],
    [
      new PackagerError('DP_EXPORT_FAILED', 'wrapped', {
        cause: new PackagerError('DP_EVIDENCE_CORRUPT', 'bad'),
      }),
      'DP_EVIDENCE_CORRUPT',
    ],
    [new TypeError('a bug'), 'DP_EXPORT_FAILED'],
    [Object.assign(new Error('x'), { code: '23505' }), 'DP_EXPORT_FAILED'],
  ])('calls %s permanent (%s)', (error, code) => {
    expect(classifyFailure(error)).toMatchObject({
      transient: false,
      error: { code },
    });
  });

  it('never passes on the words of an unknown error', () => {
    const failure = classifyFailure(new Error('password=hunter2'));
    expect(failure.error.message).not.toContain('hunter2');
  });
});

describe('Failpoints', () => {
  it('is off unless named', async () => {
    const faults = new Failpoints('');
    expect(faults.enabled).toBe(false);
    await expect(faults.reach('assemble')).resolves.toBeUndefined();
  });

  it('fails the first N times, then passes', async () => {
    const faults = new Failpoints('fetch.sboms=fail(2); store.open=fail');
    await expect(faults.reach('fetch.sboms')).rejects.toMatchObject({
      code: 'DP_SOURCE_UNAVAILABLE',
    });
    await expect(faults.reach('fetch.sboms')).rejects.toThrow();
    await expect(faults.reach('fetch.sboms')).resolves.toBeUndefined();
    await expect(faults.reach('store.open')).rejects.toMatchObject({
      code: 'DP_STORAGE_UNAVAILABLE',
    });
  });

  it('pauses until the signal aborts', async () => {
    const faults = new Failpoints('assemble=pause');
    const controller = new AbortController();
    const paused = faults.reach('assemble', controller.signal);
    controller.abort(new Error('stopped'));
    await expect(paused).rejects.toThrow('stopped');
  });

  it.each([
    'nowhere=fail',
    'assemble=explode',
    'assemble',
    'fetch.sboms=fail(x)',
  ])('refuses %j with a configuration error', (spec) => {
    expect(() => new Failpoints(spec)).toThrow(/DP_FAILPOINTS: cannot read/);
  });
});

describe('etaSecondsOf', () => {
  const started = '2026-01-01T00:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(started) + s * 1000);

  it('extrapolates the rate so far', () => {
    const progress = {
      stage: 'fetch' as const,
      itemsDone: 250,
      itemsTotal: 1000,
      bytesWritten: 0,
      attemptStartedAt: started,
    };
    expect(etaSecondsOf(progress, at(10))).toBe(30);
  });

  it('gives none before the first item or after the last', () => {
    const base = {
      stage: 'fetch' as const,
      itemsTotal: 10,
      bytesWritten: 0,
      attemptStartedAt: started,
    };
    expect(etaSecondsOf({ ...base, itemsDone: 0 }, at(5))).toBeNull();
    expect(etaSecondsOf({ ...base, itemsDone: 10 }, at(5))).toBeNull();
  });
});
