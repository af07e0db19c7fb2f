-- The W3C trace context (traceparent, tracestate) of the API request that
-- created a job, so that the worker's spans join the request's trace.
-- Null when tracing was off.
ALTER TABLE export_jobs ADD COLUMN trace_context jsonb;

-- Product analytics: what tenants export and download, and how long it
-- takes them to get value (request to first download). Ids, sizes and
-- durations only; never evidence or a requester's identity.
CREATE TABLE analytics_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  job_id text NOT NULL,
  name text NOT NULL CHECK (name IN ('export.requested', 'export.completed',
    'export.partial', 'export.failed', 'bundle.downloaded')),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  -- Bundle bytes (finished exports), bytes sent (downloads).
  bytes bigint,
  -- Job creation to this event.
  duration_ms bigint,
  items integer,
  details jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX analytics_events_time ON analytics_events (occurred_at, name);
CREATE INDEX analytics_events_job ON analytics_events (job_id, name);

-- Same row-level security as migration 005: a tenant's session sees its
-- own events; the platform (app.platform = 'on') sees all of them.
ALTER TABLE analytics_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON analytics_events
  USING (dp_row_visible(tenant_id))
  WITH CHECK (dp_row_visible(tenant_id));
