import {
  Counter,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

/**
 * The product's Prometheus metrics, one registry per process (or per test
 * server). Labels are bounded: job status, HTTP route template, method and
 * status class; never a tenant, job id or path with ids in it.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly exportsTotal = new Counter({
    name: 'dp_exports_total',
    help: 'Export jobs finished, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly exportDuration = new Histogram({
    name: 'dp_export_duration_seconds',
    help: 'Time from job creation to its final status',
    labelNames: ['status'] as const,
    // Past ten minutes, so the 2-minute objective sits mid-range.
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200],
    registers: [this.registry],
  });

  readonly bundleSize = new Histogram({
    name: 'dp_bundle_size_bytes',
    help: 'Size of published bundles',
    buckets: [1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10],
    registers: [this.registry],
  });

  readonly evidenceItems = new Counter({
    name: 'dp_export_evidence_items_total',
    help: 'Evidence items written into bundles, by artifact kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly attemptsTotal = new Counter({
    name: 'dp_export_attempts_total',
    help:
      'Export attempts ended, by outcome: completed, partial, failed, ' +
      'retry (a transient failure, retried later), released (worker ' +
      'shutdown), lost (lease taken away), cancelled',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly retriesTotal = new Counter({
    name: 'dp_export_retries_total',
    help: 'Export attempts retried after a transient failure, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly sourceRetriesTotal = new Counter({
    name: 'dp_source_retries_total',
    help: 'Evidence source calls retried after a transient failure, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly reapedTotal = new Counter({
    name: 'dp_jobs_reaped_total',
    help: 'Running jobs whose lease expired (their worker died or hung)',
    registers: [this.registry],
  });

  readonly sizeAlertsTotal = new Counter({
    name: 'dp_bundle_size_alerts_total',
    help: 'Bundles larger than the size alert threshold',
    registers: [this.registry],
  });

  readonly redactionsTotal = new Counter({
    name: 'dp_redactions_total',
    help: 'Values redacted in bundles, by policy rule (a detector or field path)',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });

  readonly dlpHitsTotal = new Counter({
    name: 'dp_dlp_hits_total',
    help: 'Values the DLP scan found in finished bundles, by detector',
    labelNames: ['detector'] as const,
    registers: [this.registry],
  });

  readonly downloadsTotal = new Counter({
    name: 'dp_bundle_downloads_total',
    help: 'Bundle downloads served, by kind of credential: token or link',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'dp_webhook_deliveries_total',
    help:
      'Webhook delivery attempts, by outcome: delivered, retry (will be ' +
      'tried again), failed (gave up), disabled (the endpoint answered 410)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookAttemptDuration = new Histogram({
    name: 'dp_webhook_attempt_duration_seconds',
    help: 'Duration of one webhook delivery attempt, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly webhookDeliveryLatency = new Histogram({
    name: 'dp_webhook_delivery_latency_seconds',
    help: 'Time from a webhook event to its successful delivery, retries included',
    buckets: [0.1, 0.5, 1, 5, 30, 60, 300, 1800, 3600, 21600, 86400, 259200],
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'dp_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  readonly evidenceFiles = new Counter({
    name: 'dp_evidence_files_total',
    help:
      'Evidence files ingested, by kind, format (a closed set of names, ' +
      'or unrecognised) and status: stored, duplicate, partial, failed',
    labelNames: ['kind', 'format', 'status'] as const,
    registers: [this.registry],
  });

  readonly evidenceProblems = new Counter({
    name: 'dp_evidence_problems_total',
    help:
      'What ingest noticed and left as it was, by format and problem: ' +
      'line-error (a record not stored), warning (kept, but flagged)',
    labelNames: ['format', 'problem'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'dp_' });
    }
  }
}
