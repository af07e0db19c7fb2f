import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { inTenantScope } from '../../src/db/index.js';
import { PackagerError } from '../../src/domain/index.js';
import { deliveryQueries } from '../../src/webhooks/deliveries.js';
import { endpointQueries } from '../../src/webhooks/endpoints.js';
import { BACKENDS } from '../support/db.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { anEvent, openWebhookHarness, type WebhookHarness } from './harness.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('webhook delivery on %s', (backend) => {
  let h: WebhookHarness;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    h = await openWebhookHarness(backend);
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  /** An endpoint of acme at a receiver path; answers its id and secret. */
  async function endpointAt(path: string) {
    const { endpoint, secret } = await h.service().create({
      url: receiver.url(path),
      events: ['disclosure.export.ready', 'disclosure.export.failed'],
      enabled: true,
      createdBy: 'alice@acme',
    });
    return { id: endpoint.id, secret };
  }

  function verifyAll(path: string, secret: string) {
    const hook = new Webhook(secret);
    for (const r of receiver.received(path)) {
      expect(() => hook.verify(r.body, r.headers)).not.toThrow();
    }
  }

  it('retries 5xx and a timeout, then delivers exactly once, same id and bytes', async () => {
    receiver.script(
      '/flaky',
      (nth) =>
        [
          { status: 500 },
          { status: 503 },
          // Slower than the 400 ms attempt timeout.
          { status: 503, delayMs: 1000 },
          { status: 204 },
        ][nth - 1] ?? { status: 200 },
    );
    const { id, secret } = await endpointAt('/flaky');
    const webhookId = await h.emit([id]);

    const delivery = await h.settled(id, webhookId);
    expect(delivery.status).toBe('delivered');
    await pause(600); // nothing more may come
    const got = receiver.received('/flaky');
    expect(got).toHaveLength(4);
    expect(new Set(got.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([webhookId]),
    );
    expect(new Set(got.map((r) => r.body.toString('hex'))).size).toBe(1);
    const accepted = got.filter(
      (r) => r.answered !== null && r.answered < 300 && r.sent,
    );
    expect(accepted).toHaveLength(1);
    verifyAll('/flaky', secret);

    const { attempts } = await h.service().delivery(id, delivery.id);
    expect(attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [500, 'retry'],
      [503, 'retry'],
      [null, 'retry'],
      [204, 'delivered'],
    ]);
    expect(attempts[2]?.error).toMatch(/no answer within 1000 ms/);
    expect(attempts[2]?.latencyMs).toBeGreaterThanOrEqual(990);
    expect(await h.counter('webhookDeliveries', 'delivered')).toBe(1);
  });

  it('gives up once the retry schedule is spent', async () => {
    receiver.script('/down', () => ({ status: 502 }));
    const { id } = await endpointAt('/down');
    const webhookId = await h.emit([id]);
    const delivery = await h.settled(id, webhookId);
    expect(delivery.status).toBe('failed');
    await pause(600);
    // The first attempt and one per delay of the schedule.
    expect(receiver.received('/down')).toHaveLength(4);
    expect(delivery.lastStatusCode).toBe(502);
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    receiver.script('/bad', (nth) => ({ status: nth === 1 ? 400 : 200 }));
    const { id } = await endpointAt('/bad');
    const webhookId = await h.emit([id]);
    const delivery = await h.settled(id, webhookId);
    expect(delivery.status).toBe('failed');
    await pause(600);
    expect(receiver.received('/bad')).toHaveLength(1);
  });

  it('replays a failed delivery with the same webhook-id and body', async () => {
    receiver.script('/replay', (nth) => ({ status: nth === 1 ? 422 : 200 }));
    const { id, secret } = await endpointAt('/replay');
    const webhookId = await h.emit([id]);
    const failed = await h.settled(id, webhookId);
    expect(failed.status).toBe('failed');

    await h.service().replay(id, failed.id);
    const replayed = await h.settled(id, webhookId, ['delivered']);
    const got = receiver.received('/replay');
    expect(got).toHaveLength(2);
    expect(got[1]?.headers['webhook-id']).toBe(webhookId);
    expect(got[1]?.body.equals(got[0]?.body as Buffer)).toBe(true);
    verifyAll('/replay', secret);
    expect(replayed.attempts).toBe(2);
    const { attempts } = await h.service().delivery(id, failed.id);
    expect(attempts.map((a) => [a.statusCode, a.outcome])).toEqual([
      [422, 'failed'],
      [200, 'delivered'],
    ]);

    await expect(h.service().replay(id, failed.id)).rejects.toMatchObject({
      code: 'DP_DELIVERY_NOT_REPLAYABLE',
    });
  });

  it('disables the endpoint on 410 and sends it nothing more', async () => {
    receiver.script('/gone', () => ({ status: 410 }));
    const { id } = await endpointAt('/gone');
    const first = await h.emit([id]);
    expect((await h.settled(id, first)).status).toBe('failed');

    const endpoint = await h.service().get(id);
    expect(endpoint.enabled).toBe(false);
    expect(endpoint.disabledReason).toMatch(/410/);
    const subscribed = await endpointQueries.subscribers(
      h.db,
      'acme',
      'disclosure.export.ready',
    );
    expect(subscribed.map((e) => e.id)).not.toContain(id);

    // A delivery queued before the 410 is not sent either.
    const second = await h.emit([id]);
    const skipped = await h.settled(id, second);
    expect(skipped.status).toBe('failed');
    expect(skipped.attempts).toBe(0);
    expect(receiver.received('/gone')).toHaveLength(1);
    expect(await h.counter('webhookDeliveries', 'disabled')).toBe(1);

    const { rows } = await h.db.query<{ actor: string; outcome: string }>(
      `SELECT actor, outcome FROM audit_events
       WHERE tenant_id = 'acme' AND action = 'webhook.disabled'
         AND resource = $1`,
      [`webhook/${id}`],
    );
    expect(rows).toEqual([
      { actor: 'disclosure-packager', outcome: 'success' },
    ]);
    await expect(h.service().replay(id, skipped.id)).rejects.toBeInstanceOf(
      PackagerError,
    );
  });

  it('keeps a flood to a failing endpoint within its concurrency limit', async () => {
    receiver.script('/storm', () => ({ status: 500, delayMs: 60 }));
    const { id } = await endpointAt('/storm');
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) ids.push(await h.emit([id]));

    // Four attempts each (the first and three retries), then given up.
    await receiver.waitFor('/storm', 120, 60_000);
    await Promise.all(ids.map((m) => h.settled(id, m)));
    await pause(600);
    expect(receiver.received('/storm')).toHaveLength(120);
    // Four senders run in this process; the endpoint allows two at once.
    expect(receiver.maxInFlight('/storm')).toBe(2);
  });

  it('checks the URL again when sending, after DNS', async () => {
    // Allowed when it was made, but now pointing at a private address.
    const endpoint = await endpointQueries.insert(h.db, {
      id: '00000000-0000-4000-8000-0000000000ee',
      tenantId: 'acme',
      url: 'http://10.255.255.1/hook',
      events: ['disclosure.export.ready'],
      enabled: true,
      secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64'),
      createdBy: 'alice@acme',
    });
    const webhookId = await h.emit([endpoint.id]);
    const delivery = await h.settled(endpoint.id, webhookId);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toBe(1);
    expect(delivery.lastError).toMatch(
      /URL refused: .*10\.255\.255\.1.*private/,
    );
  });

  it("hides acme's endpoints, events, deliveries and attempts from globex's scope", async () => {
    receiver.script('/rls', () => ({ status: 200 }));
    const { id } = await endpointAt('/rls');
    await h.settled(id, await h.emit([id]));
    const tables = [
      'webhook_endpoints',
      'webhook_messages',
      'webhook_deliveries',
      'webhook_attempts',
    ];
    for (const table of tables) {
      const all = await h.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = 'acme'`,
      );
      expect(all.rows[0]?.n, table).toBeGreaterThan(0);
      // No tenant filter: row-level security alone must hide them.
      const seen = await inTenantScope(h.db, 'globex', (tx) =>
        tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`),
      );
      expect(seen.rows[0]?.n, table).toBe(0);
    }
    await expect(
      inTenantScope(h.db, 'globex', (tx) =>
        tx.query(
          `INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret,
             created_by) VALUES ('x', 'acme', 'http://a', '{e}', 's', 'eve')`,
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('sends again a delivery whose sender died mid-attempt', async () => {
    receiver.script('/late', () => ({ status: 200 }));
    const { id } = await endpointAt('/late');
    // An event stored with no queue message, its attempt left `sending`
    // by a worker that died: only the reaper can bring it back.
    const webhookId = 'msg_' + 'd'.repeat(32);
    const deliveryId = '00000000-0000-4000-8000-0000000000dd';
    await h.db.transaction(async (tx) => {
      await deliveryQueries.insertMessage(tx, {
        id: webhookId,
        tenantId: 'acme',
        type: 'disclosure.export.ready',
        jobId: null,
        body: JSON.stringify(anEvent()),
      });
      await deliveryQueries.insert(tx, {
        id: deliveryId,
        tenantId: 'acme',
        endpointId: id,
        messageId: webhookId,
      });
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'sending', attempts = 1,
           lease_expires_at = now() - interval '1 second' WHERE id = $1`,
        [deliveryId],
      );
    });
    expect(await h.dispatcher.reap()).toBe(1);
    const delivery = await h.settled(id, webhookId);
    expect(delivery.status).toBe('delivered');
    expect(delivery.attempts).toBe(2);
    expect(receiver.received('/late')).toHaveLength(1);
  });
});
