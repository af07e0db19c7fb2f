/** The events an endpoint may subscribe to; one frozen set. */
export const WEBHOOK_EVENT_TYPES = Object.freeze([
  'disclosure.export.ready',
  'disclosure.export.partial',
  'disclosure.export.failed',
] as const);

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return WEBHOOK_EVENT_TYPES.includes(value as WebhookEventType);
}

/** The states of one event's delivery to one endpoint. */
export const DELIVERY_STATUSES = Object.freeze([
  'pending',
  'sending',
  'delivered',
  'failed',
] as const);

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** How an attempt counted (also the metrics' `outcome` label). */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'disabled';

export interface WebhookEndpoint {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  /** Why the packager switched it off (the receiver answered 410). */
  disabledReason: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Until when the secret before the last rotation still signs. */
  previousSecretExpiresAt: Date | null;
}

export interface WebhookDelivery {
  id: string;
  /** Its place in the endpoint's deliveries, for paging. */
  seq: string;
  tenantId: string;
  endpointId: string;
  /** The event's id: the `webhook-id` header of every attempt. */
  messageId: string;
  eventType: WebhookEventType;
  jobId: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface WebhookAttempt {
  attempt: number;
  startedAt: Date;
  latencyMs: number;
  statusCode: number | null;
  outcome: AttemptOutcome;
  error: string | null;
}
