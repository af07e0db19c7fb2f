/**
 * The catalog of stable error codes. Each code keeps its meaning forever;
 * a retired code is never reused. docs/errors.md lists them for users.
 */
export const ERROR_CATALOG = Object.freeze({
  DP_REQUEST_INVALID: { status: 400, title: 'The request is not valid' },
  DP_TIME_INVALID: { status: 400, title: 'A time cannot be used' },
  DP_WINDOW_INVERTED: {
    status: 400,
    title: 'The window ends before it starts',
  },
  DP_ARTIFACT_UNKNOWN: { status: 400, title: 'Unknown artifact kind' },
  DP_UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  DP_FORBIDDEN: { status: 403, title: 'Not allowed' },
  DP_LINK_INVALID: {
    status: 403,
    title: 'The download link is invalid or expired',
  },
  DP_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  DP_URL_REFUSED: {
    status: 400,
    title: 'The URL is not accepted',
  },
  DP_NOT_FOUND: { status: 404, title: 'Not found' },
  DP_TENANT_UNKNOWN: { status: 404, title: 'Unknown tenant' },
  DP_JOB_NOT_FOUND: { status: 404, title: 'Job not found' },
  DP_FEATURE_DISABLED: {
    status: 404,
    title: 'This feature is not enabled for this tenant',
  },
  DP_METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  DP_BUNDLE_NOT_READY: { status: 409, title: 'The bundle is not ready' },
  DP_BUNDLE_EXPIRED: {
    status: 410,
    title: "The bundle was deleted at the end of the tenant's retention period",
  },
  DP_JOB_FINISHED: {
    status: 409,
    title: 'The job has already finished',
  },
  DP_JOB_NOT_RETRYABLE: {
    status: 409,
    title: 'Only a failed or cancelled job can be retried',
  },
  DP_TOO_MANY_JOBS: {
    status: 429,
    title: 'Too many unfinished exports for this tenant',
  },
  DP_WINDOW_TOO_LONG: {
    status: 422,
    title: 'The time window is longer than allowed',
  },
  DP_IDEMPOTENCY_CONFLICT: {
    status: 422,
    title: 'Idempotency key reused with another request',
  },
  DP_RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable' },
  DP_PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  DP_HEADERS_TOO_LARGE: {
    status: 431,
    title: 'Request URL or headers too large',
  },
  DP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'The request did not arrive in time',
  },
  DP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Request body must be JSON',
  },
  DP_EVIDENCE_UNREADABLE: {
    status: 422,
    title: 'The evidence could not be read',
  },
  DP_EVIDENCE_MEDIA_TYPE: {
    status: 415,
    title: 'The evidence is not sent with an accepted media type',
  },
  DP_EVIDENCE_KIND_MISMATCH: {
    status: 422,
    title: 'The file is not evidence of the kind named',
  },
  DP_EVIDENCE_CORRUPT: {
    status: 500,
    title: 'Stored evidence no longer matches its checksum',
  },
  DP_DATABASE_BUSY: {
    status: 503,
    title: 'The embedded database is in use by another process',
  },
  DP_CONFIG_INVALID: { status: 500, title: 'The configuration is invalid' },
  DP_KEY_UNAVAILABLE: { status: 503, title: 'No signing key is available' },
  DP_KEY_NOT_FOUND: { status: 404, title: 'No such signing key' },
  DP_KEY_STATE: {
    status: 409,
    title: "The signing key's state does not allow this",
  },
  DP_TRUST_FILE_INVALID: {
    status: 400,
    title: 'The trusted keys file is not valid',
  },
  DP_SIGNATURE_UNAVAILABLE: {
    status: 404,
    title: 'The bundle has no whole-ZIP signature',
  },
  DP_EXPORT_FAILED: { status: 500, title: 'The export failed' },
  DP_SOURCE_UNAVAILABLE: {
    status: 503,
    title: 'An evidence source did not answer',
  },
  DP_CONNECTOR_INVALID: {
    status: 502,
    title: 'An evidence service answered outside its read contract',
  },
  DP_CONNECTOR_REFUSED: {
    status: 502,
    title: 'An evidence service refused the request',
  },
  DP_STORAGE_UNAVAILABLE: {
    status: 503,
    title: 'The object store did not answer',
  },
  DP_DATABASE_UNAVAILABLE: {
    status: 503,
    title: 'The database connection was lost',
  },
  DP_WORKER_LOST: {
    status: 500,
    title: 'The worker running the export stopped answering',
  },
  DP_JOB_TIMEOUT: {
    status: 500,
    title: 'The export ran longer than allowed',
  },
  DP_JOB_CANCELLED: { status: 409, title: 'The export was cancelled' },
  DP_BUNDLE_DAMAGED: {
    status: 500,
    title: 'The stored bundle no longer matches its job',
  },
  DP_WORKER_SHUTDOWN: {
    status: 503,
    title: 'The worker stopped and handed the export back',
  },
  DP_BUNDLE_TOO_LARGE: {
    status: 500,
    title: 'The bundle grew past the maximum size',
  },
  DP_DLP_HIT: {
    status: 500,
    title: 'The DLP scan found personal data in the finished bundle',
  },
  DP_NOT_READY: {
    status: 503,
    title: 'A dependency of the service does not answer',
  },
  DP_WEBHOOK_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found' },
  DP_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found' },
  DP_DELIVERY_NOT_REPLAYABLE: {
    status: 409,
    title: 'Only a failed webhook delivery can be replayed',
  },
  DP_WEBHOOK_DISABLED: {
    status: 409,
    title: 'The webhook endpoint is disabled',
  },
  DP_WEBHOOK_LIMIT: {
    status: 409,
    title: 'The tenant has as many webhook endpoints as allowed',
  },
  DP_INTERNAL: { status: 500, title: 'Internal error' },
});

export type ErrorCode = keyof typeof ERROR_CATALOG;

/**
 * Codes of failures worth another try: something the export depends on
 * did not answer this time. Everything else fails a job at once.
 */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'DP_SOURCE_UNAVAILABLE',
  'DP_STORAGE_UNAVAILABLE',
  'DP_DATABASE_UNAVAILABLE',
  'DP_DATABASE_BUSY',
  'DP_WORKER_LOST',
  'DP_JOB_TIMEOUT',
]);

/** The one error class of the product: a stable code, words, and a cause. */
export class PackagerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'PackagerError';
    this.code = code;
    this.status = ERROR_CATALOG[code].status;
    this.details = options.details;
  }
}

export function isPackagerError(value: unknown): value is PackagerError {
  return value instanceof PackagerError;
}
