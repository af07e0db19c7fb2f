CREATE TABLE tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  sample boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_events (
  tenant_id text NOT NULL REFERENCES tenants (id),
  event_time timestamptz NOT NULL,
  event_id text NOT NULL,
  actor text,
  action text,
  resource text,
  outcome text,
  source_format text NOT NULL,
  source_name text NOT NULL,
  original text NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source_format, event_id)
);

-- Exports read a tenant's window in (time, id) order with keyset paging.
CREATE INDEX audit_events_window
  ON audit_events (tenant_id, event_time, event_id, source_format);

CREATE TABLE evidence_documents (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  kind text NOT NULL CHECK (
    kind IN ('sboms', 'attestations', 'signatures', 'policy-reports')
  ),
  format text NOT NULL,
  spec_version text,
  media_type text NOT NULL,
  event_time timestamptz NOT NULL,
  event_time_source text NOT NULL CHECK (
    event_time_source IN ('document', 'ingest')
  ),
  file_name text NOT NULL,
  size bigint NOT NULL,
  sha512 text NOT NULL,
  location text NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, sha512)
);

CREATE INDEX evidence_documents_window
  ON evidence_documents (tenant_id, kind, event_time);

CREATE TABLE export_jobs (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  status text NOT NULL CHECK (
    status IN ('pending', 'running', 'completed', 'failed', 'partial',
               'cancelled')
  ),
  artifacts jsonb NOT NULL,
  window_from timestamptz NOT NULL,
  window_to timestamptz NOT NULL,
  requested_by text NOT NULL,
  idempotency_key text,
  request_hash text NOT NULL,
  progress jsonb NOT NULL,
  counts jsonb NOT NULL DEFAULT '{}',
  warnings jsonb NOT NULL DEFAULT '[]',
  error jsonb,
  bundle jsonb,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (window_to > window_from),
  UNIQUE (tenant_id, idempotency_key)
);

CREATE INDEX export_jobs_tenant ON export_jobs (tenant_id, created_at DESC);
