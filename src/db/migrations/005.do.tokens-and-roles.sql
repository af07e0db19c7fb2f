-- API tokens made with `tokens create`: only a SHA-256 digest of the
-- secret is kept; the token itself is shown once and never stored.
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  roles text[] NOT NULL CHECK (
    cardinality(roles) > 0
    AND roles <@ ARRAY['viewer', 'exporter', 'admin']::text[]
  ),
  subject text NOT NULL,
  secret_sha256 text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE INDEX api_tokens_tenant ON api_tokens (tenant_id, created_at);

-- Row-level security, the backstop behind the application's own tenant
-- filters (docs/security.md). A session under the role dp_app sees only
-- the rows of the tenant named by app.tenant_id in its transaction, or
-- every row when app.platform is 'on' (the worker, reaper and CLI
-- operators). The table owner is not subject to these policies.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dp_app') THEN
    CREATE ROLE dp_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION
  -- Roles are cluster-wide: two schemas migrating at once may race.
  WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO dp_app', current_schema());
  EXECUTE format(
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO dp_app',
    current_schema());
  EXECUTE format(
    'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO dp_app',
    current_schema());
  -- Tables of later migrations are the application's too.
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO dp_app',
    current_schema());
  EXECUTE format(
    'ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
    'GRANT USAGE, SELECT ON SEQUENCES TO dp_app', current_schema());
  -- The application's own login must be able to SET ROLE dp_app; a
  -- superuser always can.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT dp_app TO %I', current_user);
  END IF;
END;
$$;

CREATE FUNCTION dp_row_visible(row_tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT row_tenant = current_setting('app.tenant_id', true)
    OR current_setting('app.platform', true) = 'on'
$$;

DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['audit_events', 'evidence_documents',
    'export_jobs', 'api_tokens']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
    EXECUTE format('CREATE POLICY tenant_rows ON %I '
      'USING (dp_row_visible(tenant_id)) '
      'WITH CHECK (dp_row_visible(tenant_id))', owned);
  END LOOP;
END;
$$;

-- Transitions carry no tenant column: they follow their job.
ALTER TABLE export_job_transitions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON export_job_transitions
  USING (EXISTS (SELECT 1 FROM export_jobs j WHERE j.id = job_id))
  WITH CHECK (EXISTS (SELECT 1 FROM export_jobs j WHERE j.id = job_id));
