import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../webhooks/index.js';

/** The public shape of an endpoint; its secret is never part of it. */
export function toEndpointView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    createdBy: endpoint.createdBy,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt?.toISOString() ?? null,
  };
}

/** One event's delivery to one endpoint, as listed. */
export function toDeliveryView(delivery: WebhookDelivery) {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    webhookId: delivery.messageId,
    eventType: delivery.eventType,
    jobId: delivery.jobId,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt?.toISOString() ?? null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    createdAt: delivery.createdAt.toISOString(),
    deliveredAt: delivery.deliveredAt?.toISOString() ?? null,
  };
}

/** A delivery with the body it sends and every attempt, oldest first. */
export function toDeliveryDetail(
  delivery: WebhookDelivery & { body: string },
  attempts: readonly WebhookAttempt[],
) {
  return {
    ...toDeliveryView(delivery),
    payload: JSON.parse(delivery.body) as object,
    history: attempts.map((a) => ({
      attempt: a.attempt,
      at: a.startedAt.toISOString(),
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      outcome: a.outcome,
      error: a.error,
    })),
  };
}

/** The cursor of the page after this delivery. */
export function cursorOf(delivery: WebhookDelivery): string {
  return delivery.seq;
}
