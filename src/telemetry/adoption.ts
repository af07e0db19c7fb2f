import type { Queryable } from '../db/index.js';

/** Adoption of one tenant, or of all of them, over a window. */
export interface AdoptionFigures {
  requested: number;
  completed: number;
  partial: number;
  failed: number;
  /** Bundle downloads (each GET), and the jobs downloaded at least once. */
  downloads: number;
  jobsDownloaded: number;
  /** Request to first whole download, for jobs requested in the window. */
  timeToValue: {
    jobs: number;
    medianSeconds: number | null;
    p95Seconds: number | null;
  };
}

export interface AdoptionReport {
  from: string;
  to: string;
  global: AdoptionFigures;
  tenants: ({ tenantId: string } & AdoptionFigures)[];
}

interface CountRow {
  tenant_id: string | null;
  name: string;
  events: number;
  jobs: number;
}

interface ValueRow {
  tenant_id: string | null;
  jobs: number;
  median: number | null;
  p95: number | null;
}

// Per tenant and, through ROLLUP, for all tenants (tenant_id null).
const COUNTS = `
  SELECT tenant_id, name, count(*)::int AS events,
         count(DISTINCT job_id)::int AS jobs
  FROM analytics_events
  WHERE occurred_at >= $1 AND occurred_at < $2
  GROUP BY name, ROLLUP (tenant_id)`;

// A range request is a piece of a download, not the value delivered.
const TIME_TO_VALUE = `
  WITH requested AS (
    SELECT tenant_id, job_id, min(occurred_at) AS at
    FROM analytics_events
    WHERE name = 'export.requested'
      AND occurred_at >= $1 AND occurred_at < $2
    GROUP BY tenant_id, job_id
  ), downloaded AS (
    SELECT job_id, min(occurred_at) AS at
    FROM analytics_events
    WHERE name = 'bundle.downloaded'
      AND coalesce(details ->> 'range', 'false') = 'false'
    GROUP BY job_id
  ), waited AS (
    SELECT r.tenant_id, extract(epoch FROM d.at - r.at)::float8 AS seconds
    FROM requested r JOIN downloaded d ON d.job_id = r.job_id
  )
  SELECT tenant_id, count(*)::int AS jobs,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds) AS p95
  FROM waited
  GROUP BY ROLLUP (tenant_id)`;

/**
 * Adoption over [from, to): events counted by when they happened; time to
 * value for the jobs requested in the window (median and p95 interpolated,
 * as percentile_cont computes them).
 */
export async function adoptionReport(
  db: Queryable,
  window: { from: Date; to: Date },
): Promise<AdoptionReport> {
  const params = [window.from, window.to];
  const counts = (await db.query<CountRow>(COUNTS, params)).rows;
  const values = (await db.query<ValueRow>(TIME_TO_VALUE, params)).rows;
  const tenants = [
    ...new Set(counts.map((r) => r.tenant_id).filter((t) => t !== null)),
  ].sort();
  return {
    from: window.from.toISOString(),
    to: window.to.toISOString(),
    global: figuresOf(null, counts, values),
    tenants: tenants.map((tenantId) => ({
      tenantId,
      ...figuresOf(tenantId, counts, values),
    })),
  };
}

function figuresOf(
  tenantId: string | null,
  counts: CountRow[],
  values: ValueRow[],
): AdoptionFigures {
  const mine = counts.filter((r) => r.tenant_id === tenantId);
  const events = (name: string) =>
    mine.find((r) => r.name === name)?.events ?? 0;
  const downloads = mine.find((r) => r.name === 'bundle.downloaded');
  const value = values.find((r) => r.tenant_id === tenantId);
  return {
    requested: events('export.requested'),
    completed: events('export.completed'),
    partial: events('export.partial'),
    failed: events('export.failed'),
    downloads: downloads?.events ?? 0,
    jobsDownloaded: downloads?.jobs ?? 0,
    timeToValue: {
      jobs: value?.jobs ?? 0,
      medianSeconds: roundOrNull(value?.median),
      p95Seconds: roundOrNull(value?.p95),
    },
  };
}

function roundOrNull(value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return Math.round(Number(value) * 1000) / 1000;
}
