import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectEvidence, type Detection } from '../../src/evidence/index.js';
import { aKubernetesEventLine } from '../support/builders.js';

function detect(name: string, text: string): Detection {
  return detectEvidence(name, Buffer.from(text));
}

/** A builder for a CloudTrail record; only what a test needs is given. */
function aRecord(extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.08',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    eventTime: '2026-01-02T03:04:05Z',
    eventID: 'e-1',
    userIdentity: { arn: 'arn:aws:iam::1:user/bob' },
    ...extra,
  };
}

function eventsOf(detection: Detection) {
  if (detection.type !== 'audit-events') throw new Error(detection.type);
  return detection;
}

describe('detectEvidence', () => {
  describe('when CloudTrail JSON Lines hold a record without a time', () => {
    const lines = [aRecord(), aRecord({ eventID: 'e-2', eventTime: 'soon' })];
    const detection = eventsOf(
      detect('ct.jsonl', lines.map((r) => JSON.stringify(r)).join('\n')),
    );

    it('reads the good record', () => {
      expect(detection.events.map((e) => e.id)).toEqual(['e-1']);
    });

    it('reports the bad one as a line error', () => {
      expect(detection.errors).toEqual([
        {
          line: 2,
          message: 'no valid eventTime (RFC 3339, a real date, 1970–9999)',
        },
      ]);
    });
  });

  describe('when a line is read from JSON Lines', () => {
    it('keeps the line byte for byte as the original', () => {
      const line =
        '{"eventVersion":"1.08" , "eventSource":"x","eventTime":' +
        '"2026-01-02T03:04:05Z"}';
      const detection = eventsOf(detect('a.jsonl', `${line}\r\n${line}\n`));
      expect(detection.events[0]?.original).toBe(line);
    });
  });

  describe('when a CloudTrail record has no eventID', () => {
    it('takes the SHA-256 of the original as its id', () => {
      const text = JSON.stringify(aRecord({ eventID: undefined }));
      const detection = eventsOf(detect('one.json', text));
      const sha256 = createHash('sha256').update(text).digest('hex');
      expect(detection.events[0]?.id).toBe(sha256);
    });
  });

  describe('when given a Kubernetes EventList', () => {
    it('reads each item as an event', () => {
      const item = {
        kind: 'Event',
        apiVersion: 'audit.k8s.io/v1',
        auditID: 'a',
        stage: 'RequestReceived',
        requestReceivedTimestamp: '2026-01-01T00:00:00Z',
      };
      const list = {
        kind: 'EventList',
        items: [item, { ...item, auditID: 'b' }],
      };
      const detection = eventsOf(detect('list.json', JSON.stringify(list)));
      expect(detection.events.map((e) => e.id)).toEqual([
        'a/RequestReceived',
        'b/RequestReceived',
      ]);
    });
  });

  describe('when JSON embeds a private key', () => {
    it('refuses the whole file', () => {
      const text = JSON.stringify({
        key: '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----',
      });
      const detection = detect('x.json', text);
      expect(detection.type === 'unrecognised' && detection.reason).toMatch(
        /private keys are never ingested/,
      );
    });
  });

  describe('when XML carries a DOCTYPE', () => {
    it('refuses it', () => {
      const text =
        '<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "b">]>' +
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"/>';
      expect(detect('bom.xml', text)).toEqual({
        type: 'unrecognised',
        reason: 'XML with a DOCTYPE is refused',
      });
    });
  });

  describe('when a YAML policy report starts with a byte order mark', () => {
    it('reads it as a policy report', () => {
      const text =
        '\uFEFFapiVersion: wgpolicyk8s.io/v1alpha2\n' +
        'kind: ClusterPolicyReport\nmetadata: {name: r}\nresults: []\n';
      expect(detect('r.yaml', text)).toMatchObject({ format: 'policy-report' });
    });
  });

  describe('when a policy report summary disagrees with its results', () => {
    it('warns and keeps the stated summary', () => {
      const text = JSON.stringify({
        apiVersion: 'wgpolicyk8s.io/v1alpha2',
        kind: 'PolicyReport',
        summary: { pass: 2 },
        results: [{ policy: 'p', result: 'pass' }],
      });
      expect(detect('r.json', text)).toMatchObject({
        metadata: { summary: { pass: 2 } },
        warnings: [expect.stringMatching(/pass 2 stated, 1 listed/)],
      });
    });
  });

  describe('when a file is empty', () => {
    it('says so', () => {
      expect(detect('e.json', '')).toEqual({
        type: 'unrecognised',
        reason: 'empty',
      });
    });
  });

  describe('when a file is base64 of no known shape and not named .sig', () => {
    it('does not take it for a signature', () => {
      const text = Buffer.alloc(64, 7).toString('base64');
      expect(detect('blob.txt', text).type).toBe('unrecognised');
    });
  });
});

describe('detectEvidence, given JSON nested absurdly deep', () => {
  it('refuses the line with a reason instead of storing it', () => {
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const line = aKubernetesEventLine({ auditID: 'x' });
    const text = `${line}\n${line.slice(0, -1)},"deep":${deep}}\n`;
    const detection = detectEvidence('deep.jsonl', Buffer.from(text));
    expect(detection.type).toBe('audit-events');
    if (detection.type !== 'audit-events') return;
    expect(detection.events).toHaveLength(1);
    expect(detection.errors[0]?.line).toBe(2);
    expect(detection.errors[0]?.message).toMatch(/nested more than 256/);
  });
});

describe('detectEvidence, given event times that cannot be', () => {
  const event = (time: string, id: string) =>
    aKubernetesEventLine({ auditID: id, requestReceivedTimestamp: time });

  it('refuses impossible dates and times before 1970 instead of moving them', () => {
    const text = [
      event('2025-02-28T00:00:00Z', 'ok'),
      event('2025-02-30T00:00:00Z', 'feb-30'),
      event('2025-02-29T00:00:00Z', 'not-a-leap-year'),
      event('1969-12-31T23:59:59Z', 'before-1970'),
    ].join('\n');
    const detection = detectEvidence('times.jsonl', Buffer.from(text));
    expect(detection.type).toBe('audit-events');
    if (detection.type !== 'audit-events') return;
    expect(detection.events.map((e) => e.id)).toEqual(['ok/ResponseComplete']);
    expect(detection.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });
});

describe('detectEvidence, given one audit record past the record limit', () => {
  it('refuses that record as a line error and keeps the others', () => {
    const big = aKubernetesEventLine({
      auditID: 'big',
      annotations: { pad: 'x'.repeat(16 * 1024 * 1024) },
    });
    const small = aKubernetesEventLine({ auditID: 'small' });
    const detection = detectEvidence(
      'two.jsonl',
      Buffer.from(`${big}\n${small}\n`),
    );
    expect(detection.type).toBe('audit-events');
    if (detection.type !== 'audit-events') return;
    expect(detection.errors).toEqual([
      { line: 1, message: 'longer than 16 MiB' },
    ]);
    expect(detection.events.map((e) => e.id)).toEqual([
      'small/ResponseComplete',
    ]);
  });
});
