import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  DEFAULT_RETRY_SCHEDULE,
  classifyStatus,
  nextRetryDelay,
  parseRetrySchedule,
} from '../../src/webhooks/index.js';

const HOUR = 3_600_000;

describe('the retry schedule', () => {
  describe('by default', () => {
    const schedule = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);

    it('spans about three days, growing and then capped', () => {
      const total = schedule.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(70 * HOUR);
      expect(total).toBeLessThan(74 * HOUR);
      for (let i = 1; i < schedule.length; i += 1) {
        expect(schedule[i]).toBeGreaterThanOrEqual(schedule[i - 1] as number);
      }
      expect(Math.max(...schedule)).toBe(20 * HOUR);
    });

    it('is what the configuration gives without settings', () => {
      expect(loadConfig({}, {}).webhooks.retrySchedule).toBe(
        DEFAULT_RETRY_SCHEDULE,
      );
    });
  });

  describe('parseRetrySchedule', () => {
    it('reads every unit', () => {
      expect(parseRetrySchedule('250ms, 1.5s,2m,1h,1d')).toEqual([
        250,
        1500,
        120_000,
        HOUR,
        24 * HOUR,
      ]);
    });

    it('reads an empty schedule as no retries', () => {
      expect(parseRetrySchedule('')).toEqual([]);
    });

    it.each(['5', '5 minutes', '-1s', '8d', '1s,,x'])('refuses %j', (spec) => {
      expect(() => parseRetrySchedule(spec)).toThrow();
    });

    it('makes a bad DP_WEBHOOK_RETRY_SCHEDULE a start-up error', () => {
      expect(() =>
        loadConfig({}, { DP_WEBHOOK_RETRY_SCHEDULE: '5s,soon' }),
      ).toThrow(/webhooks.retrySchedule \(DP_WEBHOOK_RETRY_SCHEDULE\)/);
    });
  });

  describe('nextRetryDelay', () => {
    const schedule = [1000, 60_000];

    it('spreads each delay by at most a fifth either way', () => {
      expect(nextRetryDelay(schedule, 1, { random: () => 0 })).toBe(800);
      expect(nextRetryDelay(schedule, 1, { random: () => 0.5 })).toBe(1000);
      expect(nextRetryDelay(schedule, 2, { random: () => 0.9999 })).toBe(
        71_998,
      );
    });

    it('answers null once the schedule is spent', () => {
      expect(nextRetryDelay(schedule, 3)).toBeNull();
    });

    it("waits as long as a receiver's Retry-After asks, up to a day", () => {
      const half = { random: () => 0.5 };
      expect(
        nextRetryDelay(schedule, 1, { ...half, retryAfterMs: 30_000 }),
      ).toBe(30_000);
      expect(
        nextRetryDelay(schedule, 1, { ...half, retryAfterMs: 10 * 24 * HOUR }),
      ).toBe(24 * HOUR);
    });
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [410, 'gone'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
    [301, 'final'],
    [400, 'final'],
    [401, 'final'],
    [404, 'final'],
    [422, 'final'],
  ])('counts %i as %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});
