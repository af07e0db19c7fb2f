-- Retention: a completed or partial job whose bundle was deleted at the
-- end of its tenant's retention period becomes `expired`.
ALTER TABLE export_jobs DROP CONSTRAINT export_jobs_status_check;
ALTER TABLE export_jobs ADD CONSTRAINT export_jobs_status_check CHECK (
  status IN ('pending', 'running', 'completed', 'failed', 'partial',
             'cancelled', 'expired')
);
ALTER TABLE export_jobs ADD COLUMN expired_at timestamptz;

-- The cleanup looks for published bundles by age.
CREATE INDEX export_jobs_published
  ON export_jobs (finished_at) WHERE status IN ('completed', 'partial');

-- The table of legal transitions of migration 002, with expiry added
-- (src/domain/jobs.ts holds the same).
CREATE OR REPLACE FUNCTION export_job_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'pending' THEN
      RAISE EXCEPTION 'an export job starts pending, not %', NEW.status
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  ELSIF NOT (
    (OLD.status = 'pending' AND NEW.status IN ('running', 'cancelled', 'failed'))
    OR (OLD.status = 'running' AND NEW.status IN
        ('pending', 'completed', 'partial', 'failed', 'cancelled'))
    OR (OLD.status IN ('failed', 'cancelled') AND NEW.status = 'pending')
    OR (OLD.status IN ('completed', 'partial') AND NEW.status = 'expired')
  ) THEN
    RAISE EXCEPTION 'illegal export job transition % -> %',
      OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO export_job_transitions (job_id, from_status, to_status,
    attempt, reason)
  VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END,
    NEW.status, NEW.attempts, NEW.error ->> 'code');
  RETURN NULL;
END;
$$;

-- The provenance graph (src/provenance/postgres.ts): nodes keyed by
-- `<label>:<natural key>` within a tenant, and typed, directed edges.
-- The same artifact in two tenants is two nodes: nothing links tenants.
CREATE TABLE provenance_nodes (
  tenant_id text NOT NULL REFERENCES tenants (id),
  id text NOT NULL,
  label text NOT NULL CHECK (
    label IN ('Job', 'Principal', 'Bundle', 'Artifact', 'SigningKey',
              'Download')
  ),
  props jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE provenance_edges (
  tenant_id text NOT NULL,
  source text NOT NULL,
  type text NOT NULL CHECK (
    type IN ('REQUESTED_BY', 'PRODUCED', 'CONTAINS', 'SIGNED_WITH', 'OF',
             'BY')
  ),
  target text NOT NULL,
  props jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, source, type, target),
  FOREIGN KEY (tenant_id, source) REFERENCES provenance_nodes (tenant_id, id),
  FOREIGN KEY (tenant_id, target) REFERENCES provenance_nodes (tenant_id, id)
);

-- Walks go both ways: "which bundles contained this artifact" follows
-- edges backwards, from their target.
CREATE INDEX provenance_edges_target
  ON provenance_edges (tenant_id, target, type);

-- Row-level security as in migration 005.
DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['provenance_nodes', 'provenance_edges']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
    EXECUTE format('CREATE POLICY tenant_rows ON %I '
      'USING (dp_row_visible(tenant_id)) '
      'WITH CHECK (dp_row_visible(tenant_id))', owned);
  END LOOP;
END;
$$;
