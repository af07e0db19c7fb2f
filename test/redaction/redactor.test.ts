import { describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  DROPPED,
  Redactor,
  rulesOf,
  type RedactorRules,
} from '../../src/redaction/index.js';

const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);

function aRedactor(rules: Partial<RedactorRules> = {}, key = KEY_A) {
  return new Redactor({ ...rulesOf(DEFAULT_POLICY), ...rules }, key);
}

describe('Redactor', () => {
  describe('when nothing matches', () => {
    it('returns the very same value, so the original bytes can be kept', () => {
      const record = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        objectRef: { resource: 'pods', resourceVersion: '1.2.3.4' },
        stageTimestamp: '2018-10-26T09:51:20.000000Z',
        auditID: '9a2bb12c-b9f7-4d34-809c-671e8c7e1e06',
      };
      expect(aRedactor().redact(record)).toBe(record);
    });
  });

  describe('when values sit at any depth', () => {
    it('masks them in nested objects and arrays, and counts per rule', () => {
      const redactor = aRedactor();
      const out = redactor.redact({
        a: { b: [{ c: ['user alice@example.com logged in'] }] },
        ip: '10.1.2.3',
      });
      expect(out).toEqual({
        a: { b: [{ c: ['user [redacted:email] logged in'] }] },
        ip: '[redacted:ipv4]',
      });
      expect(Object.fromEntries(redactor.takeCounts())).toEqual({
        email: 1,
        ipv4: 1,
      });
      expect(redactor.takeCounts().size).toBe(0);
    });

    it('masks personal data used as an object key', () => {
      const out = aRedactor().redact({ 'bob@example.com': 'owner' });
      expect(out).toEqual({ '[redacted:email]': 'owner' });
    });

    it('masks a card number stored as a JSON number', () => {
      expect(aRedactor().redact({ pan: 4111111111111111 })).toEqual({
        pan: '[redacted:card]',
      });
    });
  });

  describe('when a string holds JSON', () => {
    it('redacts inside it and writes it back as a JSON string', () => {
      const inner = JSON.stringify({
        sourceIPAddress: '203.0.113.9',
        eventVersion: '1.08',
        nested: JSON.stringify({ user: 'carol@example.com' }),
      });
      const out = aRedactor().redact({ CloudTrailEvent: inner }) as {
        CloudTrailEvent: string;
      };
      const parsed = JSON.parse(out.CloudTrailEvent) as Record<string, string>;
      expect(parsed.sourceIPAddress).toBe('[redacted:ipv4]');
      expect(parsed.eventVersion).toBe('1.08');
      expect(JSON.parse(parsed.nested as string)).toEqual({
        user: '[redacted:email]',
      });
    });

    it('keeps a clean JSON string byte for byte, formatting and all', () => {
      const record = { body: '{ "a" : 1,\n "version": "1.2.3.4" }' };
      expect(aRedactor().redact(record)).toBe(record);
    });
  });

  describe('when values are percent-encoded', () => {
    it('masks them in place and keeps the rest of the URL as it was', () => {
      const url =
        'https://x.example/cb?user=alice%40example.com&next=%2Fhome&ip=10.0.0.1';
      const out = aRedactor().redact(url);
      expect(out).toBe(
        'https://x.example/cb?user=%5Bredacted%3Aemail%5D&next=%2Fhome' +
          '&ip=[redacted:ipv4]',
      );
    });

    it('finds an IPv6 address with a percent-encoded zone in a URL', () => {
      const out = aRedactor().redact('http://[fe80::1%25eth0]:80/');
      expect(out).toBe('http://[%5Bredacted%3Aipv6%5D]:80/');
    });

    it('finds an IPv6 address whose colons are encoded', () => {
      const out = aRedactor().redact('q=2001%3Adb8%3A%3A42&x=1');
      expect(out).toBe('q=%5Bredacted%3Aipv6%5D&x=1');
    });
  });

  describe('with field rules', () => {
    it('masks, drops and pseudonymises whole values by path', () => {
      const redactor = aRedactor({
        fields: [
          { path: 'record.**.password', action: 'mask' },
          { path: 'record.user.name', action: 'pseudonymise' },
          { path: 'record.headers.*', action: 'drop' },
        ],
      });
      const out = redactor.redact(
        {
          user: { name: 'Alice', Password: 'hunter2' },
          deep: { x: { password: 'p' } },
          headers: { cookie: 'a', auth: 'b' },
          keep: 'yes',
        },
        ['record'],
      ) as Record<string, Record<string, unknown>>;
      expect(out.user?.Password).toBe('[redacted:field:record.**.password]');
      expect(out.deep?.x).toEqual({
        password: '[redacted:field:record.**.password]',
      });
      expect(out.user?.name).toMatch(
        /^\[field:record\.user\.name:[0-9a-f]{16}\]$/,
      );
      expect(out.headers).toEqual({});
      expect(out.keep).toBe('yes');
    });
  });

  describe('with the drop action on a detector', () => {
    it('removes the value that holds the finding', () => {
      const redactor = aRedactor({ detectors: { email: 'drop' } });
      expect(redactor.redact({ a: 'x@example.com', b: 'ok' })).toEqual({
        b: 'ok',
      });
      expect(redactor.redact('mail x@example.com')).toBe(DROPPED);
    });
  });

  describe('with pseudonyms', () => {
    const rules = { detectors: { email: 'pseudonymise' as const } };

    it('gives one value the same token throughout a bundle', () => {
      const redactor = aRedactor(rules);
      const a = redactor.redact('by alice@example.com') as string;
      const b = redactor.redact('to alice@example.com!') as string;
      const other = redactor.redact('by bob@example.com') as string;
      const token = /\[email:[0-9a-f]{16}\]/.exec(a)?.[0];
      expect(token).toBeDefined();
      expect(b).toBe(`to ${token}!`);
      expect(other).not.toContain(token);
    });

    it('gives the same value another token under another bundle key', () => {
      const a = aRedactor(rules, KEY_A).redact('alice@example.com');
      const b = aRedactor(rules, KEY_B).redact('alice@example.com');
      expect(a).toMatch(/^\[email:[0-9a-f]{16}\]$/);
      expect(b).toMatch(/^\[email:[0-9a-f]{16}\]$/);
      expect(a).not.toBe(b);
    });
  });

  describe('mayMatch', () => {
    it('says no for a clean record and yes for one with a value', () => {
      const redactor = aRedactor();
      expect(redactor.mayMatch('{"kind":"Event","verb":"get"}')).toBe(false);
      expect(redactor.mayMatch('{"ip":"10.0.0.1"}')).toBe(true);
      expect(redactor.mayMatch('{"u":"a\\u0040example.com"}')).toBe(true);
      expect(redactor.mayMatch('{"Password":"x"}')).toBe(true);
    });
  });
});
