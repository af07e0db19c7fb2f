import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  waitForJob,
  type TestServer,
} from '../support/api.js';
import { anExportRequest } from '../support/builders.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

const NOW = new Date();
const WINDOW = {
  from: new Date(NOW.getTime() - 30 * 86_400_000).toISOString(),
  to: new Date(NOW.getTime() + 3_600_000).toISOString(),
};

/** The fields of a listed delivery these tests read. */
interface DeliveryJson {
  id: string;
  status: string;
  webhookId: string;
  jobId: string | null;
  attempts: number;
  lastStatusCode: number | null;
}

describe('the webhook API', () => {
  let api: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    api = await startTestServer({
      now: NOW,
      config: {
        // The receiver listens on loopback, which the URL guard refuses
        // unless the operator allows it.
        security: { urlAllowList: ['127.0.0.1'] },
        webhooks: {
          retrySchedule: '100ms,200ms',
          timeoutSeconds: 2,
        },
      },
    });
  });
  afterAll(async () => {
    await api?.close();
    await receiver?.close();
  });

  const create = (body: object, token = api.tokens.acme) =>
    api.call('POST', '/webhooks', { body, token });

  /** The packager's own audit lines for acme about one resource. */
  async function auditOf(resource: string) {
    const { rows } = await api.server.runtime.db.query<{
      action: string;
      actor: string;
      outcome: string;
    }>(
      `SELECT action, actor, outcome FROM audit_events
       WHERE tenant_id = 'acme' AND resource = $1
       ORDER BY event_time, event_id`,
      [resource],
    );
    return rows;
  }

  describe('endpoints', () => {
    it('are created with a secret shown once, then read, changed, rotated and deleted', async () => {
      const created = await create({ url: receiver.url('/crud') });
      expect(created.status).toBe(201);
      const id = created.json.id as string;
      expect(created.headers.get('location')).toBe(`/webhooks/${id}`);
      expect(created.json.events).toEqual([
        'disclosure.export.ready',
        'disclosure.export.partial',
        'disclosure.export.failed',
      ]);
      const secret = created.json.secret as string;
      expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);

      const listed = await api.call('GET', '/webhooks');
      expect(listed.json.webhooks.map((w: { id: string }) => w.id)).toContain(
        id,
      );
      expect(listed.bytes.toString()).not.toContain(secret.slice(6));
      const read = await api.call('GET', `/webhooks/${id}`);
      expect(read.json).not.toHaveProperty('secret');

      const changed = await api.call('PATCH', `/webhooks/${id}`, {
        body: { events: ['disclosure.export.failed'], enabled: false },
      });
      expect(changed.status).toBe(200);
      expect(changed.json).toMatchObject({
        events: ['disclosure.export.failed'],
        enabled: false,
      });

      const rotated = await api.call('POST', `/webhooks/${id}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.json.secret).toMatch(/^whsec_/);
      expect(rotated.json.secret).not.toBe(secret);
      const graceMs =
        Date.parse(rotated.json.previousSecretExpiresAt as string) - Date.now();
      expect(graceMs).toBeGreaterThan(23 * 3600_000);

      expect((await api.call('DELETE', `/webhooks/${id}`)).status).toBe(204);
      const gone = await api.call('GET', `/webhooks/${id}`);
      expect(gone.status).toBe(404);
      expect(gone.json.code).toBe('DP_WEBHOOK_NOT_FOUND');

      expect(await auditOf(`webhook/${id}`)).toEqual(
        [
          'webhook.created',
          'webhook.updated',
          'webhook.secret-rotated',
          'webhook.deleted',
        ].map((action) => ({
          action,
          actor: 'alice@acme',
          outcome: 'success',
        })),
      );
    });

    it.each([
      ['a link-local address', 'http://169.254.169.254/latest/meta-data'],
      ['a private address', 'http://10.1.2.3/hook'],
      ['loopback not allow-listed', 'http://[::1]:8080/hook'],
      ['another scheme', 'ftp://example.com/hook'],
      ['credentials in the URL', 'https://user:pw@example.com/hook'],
    ])('refuses %s, and audits the refusal', async (_name, url) => {
      const before = (await auditOf('webhook/new')).length;
      const reply = await create({ url });
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('DP_URL_REFUSED');
      const after = await auditOf('webhook/new');
      expect(after).toHaveLength(before + 1);
      expect(after.at(-1)).toEqual({
        action: 'webhook.created',
        actor: 'alice@acme',
        outcome: 'refused',
      });
    });

    it.each([
      ['an unknown event', { url: 'http://127.0.0.1/x', events: ['job.done'] }],
      ['no events', { url: 'http://127.0.0.1/x', events: [] }],
      ['an unknown field', { url: 'http://127.0.0.1/x', secret: 'mine' }],
      ['no URL', { events: ['disclosure.export.ready'] }],
    ])('refuses %s with 400', async (_name, body) => {
      const reply = await create(body);
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('DP_REQUEST_INVALID');
    });

    it('refuses an empty change and a refused URL on PATCH', async () => {
      const { json } = await create({ url: receiver.url('/patch') });
      const empty = await api.call('PATCH', `/webhooks/${json.id}`, {
        body: {},
      });
      expect(empty.status).toBe(400);
      const moved = await api.call('PATCH', `/webhooks/${json.id}`, {
        body: { url: 'http://192.168.0.10/hook' },
      });
      expect(moved.status).toBe(400);
      expect(moved.json.code).toBe('DP_URL_REFUSED');
      await api.call('DELETE', `/webhooks/${json.id}`);
    });

    it("are the admin's: a viewer is refused, another tenant finds nothing", async () => {
      const { json } = await create({ url: receiver.url('/private') });
      const id = json.id as string;
      const viewer = { token: api.tokens.acmeViewer };
      expect((await api.call('GET', '/webhooks', viewer)).status).toBe(403);
      expect((await api.call('GET', `/webhooks/${id}`, viewer)).status).toBe(
        403,
      );

      const globex = { token: api.tokens.globex };
      const theirs = await api.call('GET', '/webhooks', globex);
      expect(theirs.status).toBe(200);
      expect(theirs.json.webhooks).toEqual([]);
      for (const [method, path] of [
        ['GET', `/webhooks/${id}`],
        ['DELETE', `/webhooks/${id}`],
        ['POST', `/webhooks/${id}/rotate-secret`],
        ['GET', `/webhooks/${id}/deliveries`],
      ] as const) {
        const reply = await api.call(method, path, globex);
        expect(reply.status, `${method} ${path}`).toBe(404);
      }
      const patched = await api.call('PATCH', `/webhooks/${id}`, {
        ...globex,
        body: { enabled: false },
      });
      expect(patched.status).toBe(404);
      expect((await api.call('GET', `/webhooks/${id}`)).json.enabled).toBe(
        true,
      );
      await api.call('DELETE', `/webhooks/${id}`);
    });
  });

  describe('a finished export', () => {
    let ready: { id: string; secret: string };
    let flaky: { id: string };
    let jobId: string;

    beforeAll(async () => {
      receiver.script('/ready', () => ({ status: 200 }));
      // Refuses the first delivery for good, then accepts.
      receiver.script('/flaky', (nth) => ({ status: nth === 1 ? 400 : 200 }));
      const a = await create({
        url: receiver.url('/ready'),
        events: ['disclosure.export.ready'],
      });
      ready = { id: a.json.id, secret: a.json.secret };
      const b = await create({
        url: receiver.url('/flaky'),
        events: ['disclosure.export.ready'],
      });
      flaky = { id: b.json.id };
      const accepted = await api.call('POST', '/disclosures/export', {
        body: anExportRequest('acme', WINDOW),
      });
      jobId = accepted.json.jobId as string;
      await waitForJob(api, jobId);
      await receiver.waitFor('/ready', 1);
      await receiver.waitFor('/flaky', 1);
    });

    /** Polls an endpoint's deliveries until the first has a status. */
    async function deliveryOf(
      endpointId: string,
      status: string,
    ): Promise<DeliveryJson> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const list = await api.call(
          'GET',
          `/webhooks/${endpointId}/deliveries`,
        );
        const first = list.json.deliveries[0] as DeliveryJson | undefined;
        if (first?.status === status) return first;
        if (Date.now() > deadline) {
          const now: string = first ? first.status : 'missing';
          throw new Error(`delivery is ${now}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('is announced, signed, with a link that downloads the bundle', async () => {
      const [got] = receiver.received('/ready');
      const event = new Webhook(ready.secret).verify(
        got?.body as Buffer,
        got?.headers as Record<string, string>,
      ) as { type: string; data: Record<string, any> };
      expect(event.type).toBe('disclosure.export.ready');
      expect(event.data.jobId).toBe(jobId);

      const link = await fetch(event.data.bundle.downloadUrl as string);
      expect(link.status).toBe(200);
      const bytes = Buffer.from(await link.arrayBuffer());
      expect(createHash('sha512').update(bytes).digest('hex')).toBe(
        event.data.bundle.sha512,
      );
      const job = await api.call('GET', `/jobs/${jobId}`);
      expect(event.data.checksumIndex.sha512).toBe(
        job.json.bundle.checksumIndexSha512,
      );
    });

    it('lists the delivery with every attempt and the body it sent', async () => {
      const listed = await deliveryOf(ready.id, 'delivered');
      const [got] = receiver.received('/ready');
      expect(listed.webhookId).toBe(got?.headers['webhook-id']);
      expect(listed.jobId).toBe(jobId);
      const detail = await api.call(
        'GET',
        `/webhooks/${ready.id}/deliveries/${listed.id}`,
      );
      expect(detail.status).toBe(200);
      expect(detail.json.payload).toEqual(
        JSON.parse(got?.body.toString('utf8') as string),
      );
      expect(detail.json.history).toHaveLength(1);
      expect(detail.json.history[0]).toMatchObject({
        attempt: 1,
        statusCode: 200,
        outcome: 'delivered',
        error: null,
      });
      const metrics = await api.call('GET', '/metrics', { token: null });
      expect(metrics.bytes.toString()).toMatch(
        /dp_webhook_deliveries_total\{outcome="delivered"\} [1-9]/,
      );
    });

    it('replays a failed delivery once asked, and only a failed one', async () => {
      const failed = await deliveryOf(flaky.id, 'failed');
      expect(failed.lastStatusCode).toBe(400);
      const path = `/webhooks/${flaky.id}/deliveries/${failed.id}/replay`;

      expect(
        (await api.call('POST', path, { token: api.tokens.globex })).status,
      ).toBe(404);
      const replayed = await api.call('POST', path);
      expect(replayed.status).toBe(202);
      expect(replayed.json.webhookId).toBe(failed.webhookId);
      const delivered = await deliveryOf(flaky.id, 'delivered');
      expect(delivered.attempts).toBe(2);
      const got = receiver.received('/flaky');
      expect(got).toHaveLength(2);
      expect(got[1]?.body.equals(got[0]?.body as Buffer)).toBe(true);

      const again = await api.call('POST', path);
      expect(again.status).toBe(409);
      expect(again.json.code).toBe('DP_DELIVERY_NOT_REPLAYABLE');
      expect(
        await auditOf(`webhook/${flaky.id}/delivery/${failed.id}`),
      ).toEqual([
        {
          action: 'webhook.delivery-replayed',
          actor: 'alice@acme',
          outcome: 'success',
        },
        {
          action: 'webhook.delivery-replayed',
          actor: 'alice@acme',
          outcome: 'refused',
        },
      ]);
    });

    it('pages deliveries and refuses a bad page', async () => {
      const path = `/webhooks/${ready.id}/deliveries`;
      const one = await api.call('GET', `${path}?limit=1`);
      expect(one.json.deliveries).toHaveLength(1);
      expect(one.json.nextCursor).toMatch(/^\d+$/);
      const next = await api.call(
        'GET',
        `${path}?limit=1&cursor=${one.json.nextCursor as string}`,
      );
      expect(next.json.deliveries).toEqual([]);
      expect(next.json.nextCursor).toBeNull();
      expect((await api.call('GET', `${path}?limit=0`)).status).toBe(400);
      expect((await api.call('GET', `${path}?cursor=abc`)).status).toBe(400);
    });
  });
});

describe('webhooks on the embedded database (PGlite)', () => {
  let api: TestServer;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    api = await startTestServer({
      now: NOW,
      backend: 'pglite',
      config: { security: { urlAllowList: ['127.0.0.1'] } },
    });
  });
  afterAll(async () => {
    await api?.close();
    await receiver?.close();
  });

  it('delivers a signed ready event with the default settings', async () => {
    const created = await api.call('POST', '/webhooks', {
      body: { url: receiver.url('/embedded') },
    });
    expect(created.status).toBe(201);
    const accepted = await api.call('POST', '/disclosures/export', {
      body: anExportRequest('acme', WINDOW),
    });
    const jobId = accepted.json.jobId as string;
    await waitForJob(api, jobId);
    await receiver.waitFor('/embedded', 1);
    const [got] = receiver.received('/embedded');
    const event = new Webhook(created.json.secret as string).verify(
      got?.body as Buffer,
      got?.headers as Record<string, string>,
    ) as { type: string; data: { jobId: string; jobUrl: string } };
    expect(event.type).toBe('disclosure.export.ready');
    expect(event.data.jobId).toBe(jobId);
    expect(event.data.jobUrl).toBe(`${api.server.url}/jobs/${jobId}`);
  });

  it('refuses a tenant more than 20 endpoints', async () => {
    const { json } = await api.call('GET', '/webhooks');
    for (let n = json.webhooks.length; n < 20; n += 1) {
      const made = await api.call('POST', '/webhooks', {
        body: { url: receiver.url(`/many/${n}`) },
      });
      expect(made.status).toBe(201);
    }
    const over = await api.call('POST', '/webhooks', {
      body: { url: receiver.url('/many/20') },
    });
    expect(over.status).toBe(409);
    expect(over.json.code).toBe('DP_WEBHOOK_LIMIT');
    const theirs = await api.call('POST', '/webhooks', {
      token: api.tokens.globex,
      body: { url: receiver.url('/globex') },
    });
    expect(theirs.status).toBe(201);
  });
});
