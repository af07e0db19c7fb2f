export {
  WEBHOOK_EVENT_TYPES,
  DELIVERY_STATUSES,
  isWebhookEventType,
  type AttemptOutcome,
  type DeliveryStatus,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEventType,
} from './types.js';
export {
  WebhookEmitter,
  type EmitterDeps,
  type ExportEvent,
  type ExportEventData,
} from './events.js';
export { WebhookDispatcher, type DispatcherDeps } from './dispatcher.js';
export {
  WebhookService,
  MAX_ENDPOINTS_PER_TENANT,
  ROTATION_GRACE_MS,
  type NewEndpointRequest,
} from './service.js';
export {
  WEBHOOK_QUEUE,
  createDeliveryQueue,
  type DeliveryMessage,
  type DeliveryQueue,
} from './queue.js';
export {
  DEFAULT_RETRY_SCHEDULE,
  RETRY_JITTER,
  nextRetryDelay,
  parseRetrySchedule,
} from './schedule.js';
export { classifyStatus, sendAttempt, type AttemptResult } from './sender.js';
export { newSecret, signatureHeaders } from './signature.js';
export type { EndpointChange } from './endpoints.js';
