import { Router, type Request } from 'express';
import { z } from 'zod';
import { PackagerError, isPackagerError } from '../../domain/index.js';
import {
  WEBHOOK_EVENT_TYPES,
  type EndpointChange,
  type WebhookService,
} from '../../webhooks/index.js';
import { markOutcomeAudited } from '../access.js';
import { principalOf } from '../auth.js';
import { jsonBodyOf } from '../problem.js';
import type { TenantScopes } from '../scope.js';
import {
  cursorOf,
  toDeliveryDetail,
  toDeliveryView,
  toEndpointView,
} from './webhookviews.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const url = z.string().min(1).max(2048);
const events = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length);

const createBody = z.strictObject({
  url,
  events: events.default([...WEBHOOK_EVENT_TYPES]),
  enabled: z.boolean().default(true),
});

const changeBody = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give url, events or enabled');

/**
 * Webhook endpoints and their deliveries (docs/webhooks.md), for the
 * tenant's admins. Every change is written to the tenant's audit trail.
 */
export function webhookRoutes(scopes: TenantScopes): Router {
  const router = Router();
  const scopeOf = (req: Request) => scopes(principalOf(req).tenantId);
  const hooksOf = (req: Request): WebhookService => scopeOf(req).webhooks;

  /** Runs a change and records it, refused or done, in the audit trail. */
  const audited = async <T>(
    req: Request,
    action: string,
    resource: (result?: T) => string,
    change: () => Promise<T>,
  ): Promise<T> => {
    const principal = principalOf(req);
    markOutcomeAudited(req);
    const record = (outcome: 'success' | 'refused', result?: T) =>
      scopeOf(req).audit.record({
        tenantId: principal.tenantId,
        actor: principal.subject,
        action,
        resource: resource(result),
        outcome,
      });
    let result: T;
    try {
      result = await change();
    } catch (error) {
      if (isPackagerError(error) && REFUSALS.has(error.code)) {
        await record('refused');
      }
      throw error;
    }
    await record('success', result);
    return result;
  };

  router.get('/webhooks', async (req, res) => {
    const endpoints = await hooksOf(req).list();
    res.json({ webhooks: endpoints.map(toEndpointView) });
  });

  router.post('/webhooks', async (req, res) => {
    const body = parse(createBody, jsonBodyOf(req));
    const { endpoint, secret } = await audited(
      req,
      'webhook.created',
      (r) => `webhook/${r?.endpoint.id ?? 'new'}`,
      () =>
        hooksOf(req).create({ ...body, createdBy: principalOf(req).subject }),
    );
    res.set('Cache-Control', 'no-store');
    res
      .status(201)
      .location(`/webhooks/${endpoint.id}`)
      .json({ ...toEndpointView(endpoint), secret });
  });

  router.get('/webhooks/:id', async (req, res) => {
    res.json(toEndpointView(await hooksOf(req).get(endpointIdOf(req))));
  });

  router.patch('/webhooks/:id', async (req, res) => {
    const id = endpointIdOf(req);
    // Another tenant's endpoint is not found, whatever the body says.
    await hooksOf(req).get(id);
    const change: EndpointChange = parse(changeBody, jsonBodyOf(req));
    const endpoint = await audited(
      req,
      'webhook.updated',
      () => `webhook/${id}`,
      () => hooksOf(req).update(id, change),
    );
    res.json(toEndpointView(endpoint));
  });

  router.delete('/webhooks/:id', async (req, res) => {
    const id = endpointIdOf(req);
    await audited(
      req,
      'webhook.deleted',
      () => `webhook/${id}`,
      () => hooksOf(req).delete(id),
    );
    res.status(204).end();
  });

  router.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const id = endpointIdOf(req);
    const { endpoint, secret } = await audited(
      req,
      'webhook.secret-rotated',
      () => `webhook/${id}`,
      () => hooksOf(req).rotateSecret(id),
    );
    res.set('Cache-Control', 'no-store');
    res.json({ ...toEndpointView(endpoint), secret });
  });

  router.get('/webhooks/:id/deliveries', async (req, res) => {
    const page = pageOf(req);
    const deliveries = await hooksOf(req).deliveries(endpointIdOf(req), page);
    const last = deliveries.at(-1);
    res.json({
      deliveries: deliveries.map(toDeliveryView),
      nextCursor:
        last && deliveries.length === page.limit ? cursorOf(last) : null,
    });
  });

  router.get('/webhooks/:id/deliveries/:deliveryId', async (req, res) => {
    const { delivery, attempts } = await hooksOf(req).delivery(
      endpointIdOf(req),
      deliveryIdOf(req),
    );
    res.json(toDeliveryDetail(delivery, attempts));
  });

  router.post(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    async (req, res) => {
      const id = endpointIdOf(req);
      const deliveryId = deliveryIdOf(req);
      await audited(
        req,
        'webhook.delivery-replayed',
        () => `webhook/${id}/delivery/${deliveryId}`,
        () => hooksOf(req).replay(id, deliveryId),
      );
      const { delivery } = await hooksOf(req).delivery(id, deliveryId);
      res
        .status(202)
        .location(`/webhooks/${id}/deliveries/${deliveryId}`)
        .json(toDeliveryView(delivery));
    },
  );

  return router;
}

// Refusals worth an audit line: someone tried, and was not allowed.
const REFUSALS = new Set([
  'DP_URL_REFUSED',
  'DP_WEBHOOK_LIMIT',
  'DP_WEBHOOK_DISABLED',
  'DP_DELIVERY_NOT_REPLAYABLE',
]);

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PackagerError('DP_REQUEST_INVALID', 'send a JSON object');
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    message: issue.message,
  }));
  throw new PackagerError(
    'DP_REQUEST_INVALID',
    errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '),
    { details: { errors } },
  );
}

function endpointIdOf(req: Request): string {
  const id = String(req.params.id);
  // A malformed id is an endpoint that does not exist (and is not echoed).
  if (!UUID.test(id)) {
    throw new PackagerError('DP_WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
  }
  return id;
}

function deliveryIdOf(req: Request): string {
  const id = String(req.params.deliveryId);
  if (!UUID.test(id)) {
    throw new PackagerError(
      'DP_DELIVERY_NOT_FOUND',
      'no such delivery for this endpoint',
    );
  }
  return id;
}

const PAGE_PARAMS = new Set(['limit', 'cursor']);

function pageOf(req: Request) {
  const query = req.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter((k) => !PAGE_PARAMS.has(k));
  if (unknown.length > 0) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      `unknown query parameter ${unknown.join(', ')}; use limit, cursor`,
    );
  }
  const { limit, cursor } = query;
  if (
    limit !== undefined &&
    (typeof limit !== 'string' ||
      !/^\d{1,3}$/.test(limit) ||
      +limit < 1 ||
      +limit > 200)
  ) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'limit must be a whole number from 1 to 200',
    );
  }
  return {
    limit: limit === undefined ? 50 : Number(limit),
    after: cursor === undefined ? undefined : afterOf(cursor),
  };
}

function afterOf(cursor: unknown): string {
  if (typeof cursor !== 'string' || !/^\d{1,18}$/.test(cursor)) {
    throw new PackagerError(
      'DP_REQUEST_INVALID',
      'cursor is not one this API gave out',
    );
  }
  return cursor;
}
