import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/domain/index.js';
import { toAuditLine } from '../../src/jobs/index.js';
import {
  DEFAULT_POLICY,
  Redactor,
  dlpRulesOf,
  rulesOf,
} from '../../src/redaction/index.js';
import {
  CORPUS_DIR,
  CORPUS_PRESENT,
  corpusMissingIsFatal,
} from '../support/corpus.js';
import { compareLeaves } from '../support/leaves.js';

corpusMissingIsFatal();

const AUDIT_TRAILS = path.join(CORPUS_DIR, 'audit-trails');
const FILES = CORPUS_PRESENT ? readdirSync(AUDIT_TRAILS).sort() : [];

// Personal data each log holds in clear, read off the files by hand.
const KNOWN_PII: Record<string, string[]> = {
  'azure-activity-log_plaso.jsonl': ['fakeemail@fakedomain.com', '1.2.3.4'],
  'bitbucket-audit_plaso.log': [
    '0:0:0:0:0:0:0:1',
    '63.246.22.199',
    '172.16.1.187',
    '10.1.1.100',
  ],
  'cloudtrail_alice_start_instances.json': ['205.251.233.176'],
  'cloudtrail_lookup-events_plaso.jsonl': ['"1.2.3.4'],
  'gcp-cloud-audit-logs_plaso.jsonl': [
    'fakeemailxyz@gmail.com',
    'test-1@fake-project.iam.gserviceaccount.com',
    '34.72.217.225',
    '1.1.1.1',
  ],
  'k8s-audit_create_configmap_sensitive_values.jsonl': ['MY-KEY', 'MY-ID'],
  'k8s-audit_exec_pod.json': ['192.168.99.1'],
  'linux-auditd-enriched_plaso.log': ['172.23.112.1'],
  'm365-unified-audit-log_plaso.jsonl': ['piet@sst5f.onmicrosoft.com'],
  'sshd-auth_syslog_plaso.log': [
    '192.168.0.1',
    '2001:0db8:0a0b:12f0:0000:0000:0000:0001',
    '001:db8:a0b:12f0::1',
    '188.124.3.41',
    '192.0.2.60',
  ],
};

/** The file's records: a whole JSON document, else one per line. */
function recordsOf(file: string): string[] {
  const text = readFileSync(path.join(AUDIT_TRAILS, file), 'utf8');
  try {
    JSON.parse(text);
    return [text];
  } catch {
    return text.split('\n').filter((line) => line.trim() !== '');
  }
}

function anEvent(original: string, file: string): AuditEvent {
  return {
    tenantId: 'corpus',
    eventTime: new Date('2022-02-08T00:00:00Z'),
    id: 'e1',
    actor: null,
    action: null,
    resource: null,
    outcome: null,
    sourceFormat: 'corpus',
    sourceName: file,
    original,
  };
}

describe.skipIf(!CORPUS_PRESENT)(
  'the default policy over every corpus audit log',
  () => {
    it('covers every audit log of the corpus', () => {
      expect(FILES.length).toBeGreaterThanOrEqual(15);
      for (const file of Object.keys(KNOWN_PII)) expect(FILES).toContain(file);
    });

    describe.each(FILES)('%s', (file) => {
      const redactor = new Redactor(rulesOf(DEFAULT_POLICY), Buffer.alloc(32));
      const lines = recordsOf(file).map((record) => ({
        before: toAuditLine(anEvent(record, file)),
        after: toAuditLine(anEvent(record, file), redactor),
      }));

      it('leaves no value the DLP scan finds', () => {
        const scanner = new Redactor(
          dlpRulesOf(DEFAULT_POLICY),
          Buffer.alloc(32),
        );
        for (const { after } of lines) scanner.redact(JSON.parse(after));
        expect(Object.fromEntries(scanner.takeCounts())).toEqual({});
      });

      it('removes the personal data the log is known to hold', () => {
        const text = lines.map((l) => l.after).join('\n');
        for (const value of KNOWN_PII[file] ?? []) {
          expect(text).not.toContain(value);
        }
      });

      it('keeps every field without personal data as it was', () => {
        for (const { before, after } of lines) compareLeaves(before, after);
      });
    });
  },
);
