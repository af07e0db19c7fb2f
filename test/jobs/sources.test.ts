import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/domain/index.js';
import { toAuditLine } from '../../src/jobs/index.js';
import {
  DEFAULT_POLICY,
  Redactor,
  rulesOf,
} from '../../src/redaction/index.js';

function anEvent(
  original: string,
  sourceFormat = 'kubernetes-audit',
): AuditEvent {
  return {
    tenantId: 'acme',
    eventTime: new Date('2026-01-01T00:00:00Z'),
    id: 'e1',
    actor: 'alice',
    action: 'get',
    resource: 'pods',
    outcome: '200',
    sourceFormat,
    sourceName: 'audit.jsonl',
    original,
  };
}

describe('toAuditLine', () => {
  it('splices a one-line JSON original in byte for byte', () => {
    const original = '{"kind":"Event",  "auditID":"e1", "n": 1.50}';
    const line = toAuditLine(anEvent(original));
    expect(line.endsWith(`,"record":${original}}`)).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ id: 'e1', record: { n: 1.5 } });
  });

  it('re-serialises a multi-line original onto one line', () => {
    const line = toAuditLine(anEvent('{\n  "kind": "Event"\n}'));
    expect(line).not.toContain('\n');
    expect(JSON.parse(line).record).toEqual({ kind: 'Event' });
  });

  it('keeps an original that is not JSON as a string', () => {
    const line = toAuditLine(anEvent('May 1 sshd[1]: Accepted', 'syslog'));
    expect(JSON.parse(line).record).toBe('May 1 sshd[1]: Accepted');
  });

  it('does not trust the braces of a format it did not parse as JSON', () => {
    const line = toAuditLine(anEvent('{not json}', 'syslog'));
    expect(JSON.parse(line).record).toBe('{not json}');
  });
});

describe('toAuditLine with a redactor', () => {
  const redactor = () =>
    new Redactor(rulesOf(DEFAULT_POLICY), Buffer.alloc(32));

  it('splices a record with nothing to redact byte for byte', () => {
    const original = '{"kind":"Event", "n":1.50,"verb":"get"}';
    const line = toAuditLine(anEvent(original), redactor());
    expect(line.endsWith(`,"record":${original}}`)).toBe(true);
  });

  it('re-serialises only a record that changed', () => {
    const original = '{"kind":"Event", "sourceIPs":["10.0.0.8"]}';
    const line = toAuditLine(anEvent(original), redactor());
    expect(
      line.endsWith(
        ',"record":{"kind":"Event","sourceIPs":' + '["[redacted:ipv4]"]}}',
      ),
    ).toBe(true);
  });

  it('redacts the common fields too', () => {
    const event = { ...anEvent('{}'), actor: 'alice@example.com' };
    const parsed = JSON.parse(toAuditLine(event, redactor())) as {
      actor: string;
    };
    expect(parsed.actor).toBe('[redacted:email]');
  });

  it('redacts a text record as text', () => {
    const original = 'sshd[3]: Accepted password for plaso from ::1 port 22';
    const line = toAuditLine(anEvent(original, 'syslog'), redactor());
    expect((JSON.parse(line) as { record: string }).record).toBe(
      'sshd[3]: Accepted password for plaso from [redacted:ipv6] port 22',
    );
  });
});
