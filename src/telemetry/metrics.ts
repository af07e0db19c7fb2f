import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import { ARTIFACT_KINDS, TRANSIENT_CODES } from '../domain/index.js';

/** The export queue as the database sees it, read at scrape time. */
export interface QueueState {
  /** Jobs waiting for a worker, including those waiting for a retry. */
  pending: number;
  running: number;
  /** Age of the oldest pending job; 0 when none waits. */
  oldestPendingSeconds: number;
}

const FINAL_STATUSES = ['completed', 'partial', 'failed', 'cancelled'];
const TIMED_STATUSES = ['completed', 'partial', 'failed'];
// The codes that fail exports in practice: the transient ones once their
// attempts are spent, and the product's own refusals.
const FAILURE_CODES = [
  ...TRANSIENT_CODES,
  'DP_EVIDENCE_CORRUPT',
  'DP_BUNDLE_TOO_LARGE',
  'DP_KEY_UNAVAILABLE',
  'DP_DLP_HIT',
  'DP_EXPORT_FAILED',
];
const ATTEMPT_OUTCOMES = [
  ...FINAL_STATUSES,
  'retry',
  'released',
  'lost',
] as const;
const DELIVERY_OUTCOMES = ['delivered', 'retry', 'failed', 'disabled'];
const DOWNLOAD_CREDENTIALS = ['token', 'oidc', 'link'];

/**
 * The product's Prometheus metrics, one registry per process (or per test
 * server). Labels are bounded: job status, outcome, error code, artifact
 * kind, HTTP route template, method and status. A `tenant` label appears
 * on the two counters the per-tenant success-rate and adoption views need,
 * and only there: tenants are a closed set that operators create, so it
 * grows with customers, never with traffic. Never a job id, a subject or a
 * path with ids in it.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly exportsRequested = new Counter({
    name: 'dp_exports_requested_total',
    help: 'Export jobs created (idempotent replays not counted), by tenant',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly exportsTotal = new Counter({
    name: 'dp_exports_total',
    help: 'Export jobs finished, by final status and tenant',
    labelNames: ['status', 'tenant'] as const,
    registers: [this.registry],
  });

  readonly failuresTotal = new Counter({
    name: 'dp_export_failures_total',
    help: 'Export jobs failed for good, by the error code that failed them',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly kindsOmitted = new Counter({
    name: 'dp_export_kinds_omitted_total',
    help:
      'Artifact kinds left out of published (partial) bundles because ' +
      'their source kept failing, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly exportDuration = new Histogram({
    name: 'dp_export_duration_seconds',
    help: 'Time from job creation to its final status',
    labelNames: ['status'] as const,
    // Past ten minutes, so the 2-minute objective sits mid-range, with a
    // bound at 108 s, the latency alert's threshold (docs/slo.md).
    buckets: [
      0.25, 0.5, 1, 2, 5, 10, 30, 60, 90, 108, 120, 180, 300, 600, 1200,
    ],
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

  readonly connectorRequests = new Counter({
    name: 'dp_connector_requests_total',
    help:
      'Page requests to evidence services (connectors), by artifact kind ' +
      'and outcome: ok, server-error (5xx or 429), timeout, network-error, ' +
      'refused (another 4xx or a URL not allowed), invalid (outside the ' +
      'read contract)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly sourceErrors = new Counter({
    name: 'dp_source_errors_total',
    help:
      'Evidence source calls that failed, retried or not, by artifact ' +
      'kind and error code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'dp_export_queue_depth',
    help: 'Export jobs pending (waiting for a worker or a retry), read from the database at scrape time',
    registers: [this.registry],
  });

  readonly jobsRunning = new Gauge({
    name: 'dp_export_jobs_running',
    help: 'Export jobs running, read from the database at scrape time',
    registers: [this.registry],
  });

  readonly oldestPending = new Gauge({
    name: 'dp_export_queue_oldest_seconds',
    help: 'Age of the oldest pending export job, read from the database at scrape time',
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
    help: 'Bundle downloads served, by kind of credential: token, oidc or link',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });

  readonly timeToValue = new Histogram({
    name: 'dp_time_to_value_seconds',
    help: "Time from an export's request to the first download of its bundle",
    buckets: [1, 5, 30, 60, 300, 900, 3600, 14400, 86400, 259200, 604800],
    registers: [this.registry],
  });

  readonly retentionDeletions = new Counter({
    name: 'dp_retention_deletions_total',
    help:
      'Bundles past their retention period, by outcome: deleted (and the ' +
      'job marked expired), failed (tried again at the next sweep)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly provenanceWriteFailures = new Counter({
    name: 'dp_provenance_write_failures_total',
    help:
      'Provenance records that could not be written, by what: bundle ' +
      '(at publish time) or download',
    labelNames: ['record'] as const,
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

  private queueProbe: (() => Promise<QueueState>) | undefined;
  private queueRead: Promise<void> | undefined;
  readonly readinessFailures = new Counter({
    name: 'dp_readiness_check_failures_total',
    help: 'Readiness checks (GET /readyz) that failed, by dependency',
    labelNames: ['check'] as const,
    registers: [this.registry],
  });

  readonly analyticsEvents = new Counter({
    name: 'dp_analytics_events_total',
    help: 'Analytics events recorded, by name (export.requested, ...)',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly analyticsSinkPosts = new Counter({
    name: 'dp_analytics_sink_posts_total',
    help: 'Batches posted to the analytics sink, by outcome: sent or failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly analyticsSinkDropped = new Counter({
    name: 'dp_analytics_sink_dropped_total',
    help:
      'Analytics events never delivered to the sink (buffer full, ' +
      'retries spent); they stay in the analytics_events table',
    registers: [this.registry],
  });

  readonly analyticsSinkBuffered = new Gauge({
    name: 'dp_analytics_sink_buffered_events',
    help: 'Analytics events waiting to be sent to the sink',
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

  readonly evidenceStreamed = new Counter({
    name: 'dp_evidence_streamed_total',
    help:
      'Large SBOMs and scan reports read as a stream instead of whole ' +
      '(DP_INGEST_STREAM_FROM_BYTES), by format',
    labelNames: ['format'] as const,
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
    // Series that exist from the start, at zero: a counter or histogram
    // series born at its first increment has no earlier sample, so rate()
    // and increase() would miss that first event (a first failure would
    // never alert).
    this.zero(this.attemptsTotal, 'outcome', ATTEMPT_OUTCOMES);
    this.zero(this.retriesTotal, 'code', [...TRANSIENT_CODES]);
    this.zero(this.failuresTotal, 'code', FAILURE_CODES);
    this.zero(this.evidenceItems, 'kind', ARTIFACT_KINDS);
    this.zero(this.kindsOmitted, 'kind', ARTIFACT_KINDS);
    this.zero(this.sourceRetriesTotal, 'kind', ARTIFACT_KINDS);
    for (const kind of ARTIFACT_KINDS) {
      for (const code of TRANSIENT_CODES)
        this.sourceErrors.inc({ kind, code }, 0);
    }
    for (const status of TIMED_STATUSES) this.exportDuration.zero({ status });
    for (const outcome of DELIVERY_OUTCOMES) {
      this.webhookAttemptDuration.zero({ outcome });
    }
    this.zero(this.webhookDeliveries, 'outcome', DELIVERY_OUTCOMES);
    this.zero(this.downloadsTotal, 'via', DOWNLOAD_CREDENTIALS);
  }

  /**
   * Starts the per-tenant series at zero (see the constructor), for the
   * tenants known at start-up and each tenant whose job a worker takes.
   */
  knowTenants(tenantIds: Iterable<string>): void {
    for (const tenant of tenantIds) {
      this.exportsRequested.inc({ tenant }, 0);
      for (const status of FINAL_STATUSES) {
        this.exportsTotal.inc({ status, tenant }, 0);
      }
    }
  }

  /** Starts each DLP detector's series at zero, for the same reason. */
  knowDetectors(detectors: Iterable<string>): void {
    this.zero(this.dlpHitsTotal, 'detector', [...detectors]);
  }

  private zero<L extends string>(
    counter: Counter<L>,
    label: L,
    values: readonly string[],
  ): void {
    for (const value of values) {
      counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
    }
  }

  /**
   * Reads the queue gauges from `probe` at every scrape. A failed read
   * sets them to NaN (unknown: no alert compares true, graphs show a gap)
   * rather than failing the whole scrape, whose HTTP and process metrics
   * matter most while the database is down.
   */
  watchQueue(probe: () => Promise<QueueState>): void {
    this.queueProbe = probe;
  }

  /** The exposition text, with the queue read fresh for it. */
  async scrape(): Promise<string> {
    await this.readQueue();
    return this.registry.metrics();
  }

  private async readQueue(): Promise<void> {
    const probe = this.queueProbe;
    if (!probe) return;
    // Scrapes that overlap share one query.
    this.queueRead ??= probe()
      .then((state) => {
        this.queueDepth.set(state.pending);
        this.jobsRunning.set(state.running);
        this.oldestPending.set(state.oldestPendingSeconds);
      })
      .catch(() => {
        this.queueDepth.set(NaN);
        this.jobsRunning.set(NaN);
        this.oldestPending.set(NaN);
      })
      .finally(() => {
        this.queueRead = undefined;
      });
    await this.queueRead;
  }
}

/**
 * What `probe export` writes for node_exporter's textfile collector: one
 * run's outcome, its phases' durations and when it ran. Its own registry:
 * the probe runs outside the service, as a cron job.
 */
export class ProbeMetrics {
  readonly registry = new Registry();

  readonly success = new Gauge({
    name: 'dp_probe_export_success',
    help: 'Whether the last export probe passed (1) or failed (0)',
    registers: [this.registry],
  });

  readonly phaseDuration = new Gauge({
    name: 'dp_probe_export_phase_duration_seconds',
    help:
      'Duration of each phase of the last export probe: ready, submit, ' +
      'complete, download, verify, and total',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });

  readonly bundleBytes = new Gauge({
    name: 'dp_probe_export_bundle_bytes',
    help: 'Size of the bundle the last export probe downloaded',
    registers: [this.registry],
  });

  readonly lastRun = new Gauge({
    name: 'dp_probe_export_last_run_timestamp_seconds',
    help: 'When the last export probe finished, in Unix seconds',
    registers: [this.registry],
  });
}
