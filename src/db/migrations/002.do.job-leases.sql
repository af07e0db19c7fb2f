-- Durable jobs: a lease with a fencing epoch, retry bookkeeping, per-kind
-- outcomes, and every status change stored by the database itself.

ALTER TABLE export_jobs
  ADD COLUMN lease_owner text,
  ADD COLUMN lease_epoch integer NOT NULL DEFAULT 0,
  ADD COLUMN lease_expires_at timestamptz,
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN max_attempts integer NOT NULL DEFAULT 5,
  ADD COLUMN kinds jsonb NOT NULL DEFAULT '{}';

-- Creation times at millisecond precision, as JavaScript holds them, so
-- that a listing cursor built from one names it exactly.
ALTER TABLE export_jobs
  ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE export_jobs SET created_at = date_trunc('milliseconds', created_at);

-- The reaper looks for running jobs whose lease ran out.
CREATE INDEX export_jobs_leases
  ON export_jobs (lease_expires_at) WHERE status = 'running';

-- Per-tenant limits count a tenant's unfinished jobs.
CREATE INDEX export_jobs_active
  ON export_jobs (tenant_id) WHERE status IN ('pending', 'running');

CREATE TABLE export_job_transitions (
  job_id text NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
  seq bigserial,
  from_status text,
  to_status text NOT NULL,
  attempt integer NOT NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (job_id, seq)
);

-- The one table of legal transitions (src/domain/jobs.ts holds the same):
-- anything else is refused here, whichever code path tries it.
CREATE FUNCTION export_job_transition() RETURNS trigger
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

CREATE TRIGGER export_job_transition
  AFTER INSERT OR UPDATE OF status ON export_jobs
  FOR EACH ROW EXECUTE FUNCTION export_job_transition();

-- Jobs created before this migration get their first transition.
INSERT INTO export_job_transitions (job_id, from_status, to_status, attempt,
  at)
SELECT id, NULL, 'pending', 0, created_at FROM export_jobs;
INSERT INTO export_job_transitions (job_id, from_status, to_status, attempt,
  at)
SELECT id, 'pending', status, attempts,
  coalesce(finished_at, started_at, updated_at)
FROM export_jobs WHERE status <> 'pending';
