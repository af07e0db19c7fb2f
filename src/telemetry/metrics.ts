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

  readonly httpDuration = new Histogram({
    name: 'dp_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(options: { defaults?: boolean } = {}) {
    if (options.defaults ?? true) {
      collectDefaultMetrics({ register: this.registry, prefix: 'dp_' });
    }
  }
}
