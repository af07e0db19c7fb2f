import { DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES } from '../webhooks/index.js';
import { dateTime, json, nullableDateTime, respond } from './docparts.js';

// The webhook part of the OpenAPI document (openapi.ts merges it in).

const eventType = { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] };
const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const endpointId = idParam('id', 'The webhook endpoint');
const deliveryId = idParam('deliveryId', 'The delivery of one event');

const endpointProperties = {
  id: { type: 'string', format: 'uuid' },
  url: { type: 'string' },
  events: { type: 'array', items: eventType },
  enabled: { type: 'boolean' },
  disabledReason: {
    type: ['string', 'null'],
    description: 'Why the packager disabled it (the receiver answered 410)',
  },
  createdBy: { type: 'string' },
  createdAt: dateTime,
  updatedAt: dateTime,
  previousSecretExpiresAt: {
    ...nullableDateTime,
    description:
      'After a rotation, until when the old secret still signs beside the new',
  },
};
const endpointRequired = Object.keys(endpointProperties);

const deliveryProperties = {
  id: { type: 'string', format: 'uuid' },
  endpointId: { type: 'string', format: 'uuid' },
  webhookId: {
    type: 'string',
    description: 'The webhook-id header: the same on every attempt and replay',
  },
  eventType,
  jobId: { type: ['string', 'null'] },
  status: { type: 'string', enum: [...DELIVERY_STATUSES] },
  attempts: { type: 'integer', minimum: 0 },
  nextAttemptAt: nullableDateTime,
  lastStatusCode: { type: ['integer', 'null'] },
  lastError: { type: ['string', 'null'] },
  createdAt: dateTime,
  deliveredAt: nullableDateTime,
};

export const webhookSchemas = {
  WebhookRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: {
        type: 'string',
        maxLength: 2048,
        description:
          'http(s); refused when it resolves to a private, loopback or ' +
          'link-local address the operator has not allow-listed',
      },
      events: {
        type: 'array',
        minItems: 1,
        items: eventType,
        description: 'Default: all three',
      },
      enabled: { type: 'boolean', default: true },
    },
  },
  WebhookChange: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      url: { type: 'string', maxLength: 2048 },
      events: { type: 'array', minItems: 1, items: eventType },
      enabled: {
        type: 'boolean',
        description: 'true also clears disabledReason',
      },
    },
  },
  WebhookEndpoint: {
    type: 'object',
    additionalProperties: false,
    required: endpointRequired,
    properties: endpointProperties,
  },
  WebhookEndpointWithSecret: {
    type: 'object',
    additionalProperties: false,
    required: [...endpointRequired, 'secret'],
    properties: {
      ...endpointProperties,
      secret: {
        type: 'string',
        pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
        description: 'The signing secret; shown only in this answer',
      },
    },
  },
  WebhookList: {
    type: 'object',
    additionalProperties: false,
    required: ['webhooks'],
    properties: {
      webhooks: {
        type: 'array',
        items: { $ref: '#/components/schemas/WebhookEndpoint' },
      },
    },
  },
  WebhookDelivery: {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(deliveryProperties),
    properties: deliveryProperties,
  },
  WebhookDeliveryList: {
    type: 'object',
    additionalProperties: false,
    required: ['deliveries', 'nextCursor'],
    properties: {
      deliveries: {
        type: 'array',
        items: { $ref: '#/components/schemas/WebhookDelivery' },
      },
      nextCursor: { type: ['string', 'null'] },
    },
  },
  WebhookDeliveryDetail: {
    type: 'object',
    additionalProperties: false,
    required: [...Object.keys(deliveryProperties), 'payload', 'history'],
    properties: {
      ...deliveryProperties,
      payload: {
        type: 'object',
        description: 'The event body every attempt sends (docs/webhooks.md)',
      },
      history: {
        type: 'array',
        description: 'Every attempt, oldest first',
        items: {
          type: 'object',
          additionalProperties: false,
          required: [
            'attempt',
            'at',
            'statusCode',
            'latencyMs',
            'outcome',
            'error',
          ],
          properties: {
            attempt: { type: 'integer', minimum: 1 },
            at: dateTime,
            statusCode: { type: ['integer', 'null'] },
            latencyMs: { type: 'integer', minimum: 0 },
            outcome: {
              type: 'string',
              enum: ['delivered', 'retry', 'failed', 'disabled'],
            },
            error: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
};

/** The webhook operations, given the errors every secured one can meet. */
export function webhookPaths(authErrors: object) {
  const noEndpoint = respond('No such webhook endpoint for this tenant');
  return {
    '/webhooks': {
      get: {
        summary: "List the tenant's webhook endpoints",
        responses: {
          '200': { description: 'The endpoints', content: json('WebhookList') },
          ...authErrors,
        },
      },
      post: {
        summary: 'Add a webhook endpoint; the answer holds its secret, once',
        requestBody: { required: true, content: json('WebhookRequest') },
        responses: {
          '201': {
            description: 'Created',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('WebhookEndpointWithSecret'),
          },
          ...authErrors,
          '400': respond('The body is not valid, or the URL is refused'),
          '409': respond('The tenant has as many endpoints as allowed'),
          '413': respond('Body too large'),
          '415': respond('Body is not JSON'),
        },
      },
    },
    '/webhooks/{id}': {
      get: {
        summary: 'Read a webhook endpoint',
        parameters: [endpointId],
        responses: {
          '200': {
            description: 'The endpoint',
            content: json('WebhookEndpoint'),
          },
          ...authErrors,
          '404': noEndpoint,
        },
      },
      patch: {
        summary: 'Change the URL, events or enabled flag of an endpoint',
        parameters: [endpointId],
        requestBody: { required: true, content: json('WebhookChange') },
        responses: {
          '200': {
            description: 'The endpoint',
            content: json('WebhookEndpoint'),
          },
          ...authErrors,
          '400': respond('The body is not valid, or the URL is refused'),
          '404': noEndpoint,
          '413': respond('Body too large'),
          '415': respond('Body is not JSON'),
        },
      },
      delete: {
        summary: 'Delete an endpoint with its deliveries',
        parameters: [endpointId],
        responses: {
          '204': { description: 'Deleted' },
          ...authErrors,
          '404': noEndpoint,
        },
      },
    },
    '/webhooks/{id}/rotate-secret': {
      post: {
        summary:
          'A new signing secret, shown once; the old one keeps signing ' +
          'beside it for 24 hours',
        parameters: [endpointId],
        responses: {
          '200': {
            description: 'The endpoint and its new secret',
            content: json('WebhookEndpointWithSecret'),
          },
          ...authErrors,
          '404': noEndpoint,
        },
      },
    },
    '/webhooks/{id}/deliveries': {
      get: {
        summary: "An endpoint's deliveries, newest first",
        parameters: [
          endpointId,
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Page size, 1 to 200 (default 50)',
            schema: { type: 'integer', minimum: 1, maximum: 200 },
          },
          {
            name: 'cursor',
            in: 'query',
            required: false,
            description: 'nextCursor of the previous page',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'The deliveries',
            content: json('WebhookDeliveryList'),
          },
          ...authErrors,
          '404': noEndpoint,
        },
      },
    },
    '/webhooks/{id}/deliveries/{deliveryId}': {
      get: {
        summary: 'A delivery with its body and every attempt',
        parameters: [endpointId, deliveryId],
        responses: {
          '200': {
            description: 'The delivery',
            content: json('WebhookDeliveryDetail'),
          },
          ...authErrors,
          '404': respond('No such endpoint or delivery for this tenant'),
        },
      },
    },
    '/webhooks/{id}/deliveries/{deliveryId}/replay': {
      post: {
        summary:
          'Send a failed delivery again: same webhook-id, same body, ' +
          'its retry schedule started afresh',
        parameters: [endpointId, deliveryId],
        responses: {
          '202': {
            description: 'Queued; the delivery is pending again',
            headers: { Location: { schema: { type: 'string' } } },
            content: json('WebhookDelivery'),
          },
          ...authErrors,
          '404': respond('No such endpoint or delivery for this tenant'),
          '409': respond(
            'The delivery has not failed, or the endpoint is disabled',
          ),
        },
      },
    },
  };
}
