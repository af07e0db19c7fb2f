import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWindow, type AuditEvent } from '../../src/domain/index.js';
import { ingestPaths, type EvidenceStore } from '../../src/evidence/index.js';
import { toAuditLine } from '../../src/jobs/sources.js';
import type { LocalObjectStore } from '../../src/storage/index.js';
import { aKubernetesEventLine } from '../support/builders.js';
import { BACKENDS } from '../support/db.js';
import {
  openEvidenceFixture,
  type EvidenceFixture,
} from '../support/evidence.js';

// Events around midnight, written with more digits than a millisecond,
// and a leap second: where each falls decides which window holds it.
const TIMES: Record<string, string> = {
  'before-ns': '2016-12-31T23:59:59.999999999Z',
  leap: '2016-12-31T23:59:60.5Z',
  'at-midnight': '2017-01-01T00:00:00.000000000Z',
  'after-ns': '2017-01-01T00:00:00.000000001Z',
  'offset-us': '2017-01-01T05:30:00.000001+05:30',
};

const BEFORE = toWindow('2016-12-31T00:00:00Z', '2017-01-01T00:00:00Z');
const AFTER = toWindow('2017-01-01T00:00:00Z', '2017-01-02T00:00:00Z');
const LAST_MS = toWindow('2016-12-31T23:59:59.999Z', '2017-01-01T00:00:00Z');

describe.each(BACKENDS)('event times at the window edge on %s', (backend) => {
  let fixture: EvidenceFixture;
  let store: EvidenceStore;
  let objects: LocalObjectStore;
  let warnings: string[];

  beforeAll(async () => {
    fixture = await openEvidenceFixture(backend, 'time');
    ({ store, objects } = fixture);
    await store.saveTenant({ id: 'edge', name: 'Edge', sample: false });
    const lines = Object.entries(TIMES).map(([id, time]) =>
      aKubernetesEventLine({ auditID: id, requestReceivedTimestamp: time }),
    );
    const file = path.join(fixture.scratch, 'edge.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const summary = await ingestPaths({
      tenantId: 'edge',
      paths: [file],
      store,
      objects,
    });
    warnings = summary.files[0]?.warnings ?? [];
  });

  afterAll(() => fixture.dispose());

  async function eventsIn(window: typeof BEFORE): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    for await (const e of store.streamAuditEvents('edge', window)) {
      events.push(e);
    }
    return events;
  }

  const ids = (events: AuditEvent[]) => events.map((e) => e.id.split('/')[0]);

  it('puts everything before midnight, the leap second too, in [.., 00:00)', async () => {
    expect(ids(await eventsIn(BEFORE))).toEqual(['before-ns', 'leap']);
  });

  it('puts midnight and everything after it in [00:00, ..)', async () => {
    expect(ids(await eventsIn(AFTER))).toEqual([
      'after-ns',
      'at-midnight',
      'offset-us',
    ]);
  });

  it('holds a nanosecond before midnight in the window of the last millisecond', async () => {
    expect(ids(await eventsIn(LAST_MS))).toEqual(['before-ns', 'leap']);
  });

  it('exports each time with every digit it was written with, in UTC', async () => {
    const events = [...(await eventsIn(BEFORE)), ...(await eventsIn(AFTER))];
    const times = events.map(
      (e) => (JSON.parse(toAuditLine(e)) as { time: string }).time,
    );
    expect(times).toEqual([
      '2016-12-31T23:59:59.999999999Z',
      '2016-12-31T23:59:60.500Z',
      '2017-01-01T00:00:00.000000001Z',
      '2017-01-01T00:00:00.000000000Z',
      '2017-01-01T00:00:00.000001Z',
    ]);
  });

  it('flags the leap second once, by its line', () => {
    expect(warnings).toEqual([
      'edge.jsonl line 2: 2016-12-31T23:59:60.500Z is a leap second; ' +
        'kept as written and ordered as 2016-12-31T23:59:59.999Z',
    ]);
  });
});
