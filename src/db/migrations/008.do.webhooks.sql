-- Webhook endpoints, the events sent to them, and every delivery attempt
-- (docs/webhooks.md). An event's body is stored once, byte for byte, so
-- that every attempt and every replay sends the very same bytes.
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  url text NOT NULL,
  events text[] NOT NULL CHECK (cardinality(events) > 0),
  enabled boolean NOT NULL DEFAULT true,
  -- Why the endpoint was switched off by the packager (a 410), if it was.
  disabled_reason text,
  -- The signing secret, `whsec_` and base64; the API shows it only once.
  secret text NOT NULL,
  -- After a rotation the old secret signs too, until it expires, so that
  -- receivers can switch over without losing a delivery.
  previous_secret text,
  previous_secret_expires_at timestamptz,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_endpoints_tenant
  ON webhook_endpoints (tenant_id, created_at);

-- One event of a tenant; its id is the `webhook-id` header.
CREATE TABLE webhook_messages (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants (id),
  event_type text NOT NULL,
  job_id text,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One event to one endpoint. `sending` is held under a lease, so that a
-- worker that died mid-attempt gives its delivery back once it expires.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  -- Orders an endpoint's deliveries for paging, exactly.
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  tenant_id text NOT NULL REFERENCES tenants (id),
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id)
    ON DELETE CASCADE,
  message_id text NOT NULL REFERENCES webhook_messages (id),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- Attempts since the delivery was created or last replayed: the retry
  -- schedule is counted from these.
  run_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_expires_at timestamptz,
  last_error text,
  last_status_code integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, message_id)
);

CREATE INDEX webhook_deliveries_endpoint
  ON webhook_deliveries (endpoint_id, seq DESC);
CREATE INDEX webhook_deliveries_sending
  ON webhook_deliveries (endpoint_id) WHERE status = 'sending';
CREATE INDEX webhook_deliveries_due
  ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
  delivery_id text NOT NULL REFERENCES webhook_deliveries (id)
    ON DELETE CASCADE,
  tenant_id text NOT NULL REFERENCES tenants (id),
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  latency_ms integer NOT NULL,
  status_code integer,
  outcome text NOT NULL
    CHECK (outcome IN ('delivered', 'retry', 'failed', 'disabled')),
  error text,
  PRIMARY KEY (delivery_id, attempt)
);

-- Row-level security as in migration 005: a tenant's session sees only
-- its own endpoints, events, deliveries and attempts.
DO $$
DECLARE
  owned text;
BEGIN
  FOREACH owned IN ARRAY ARRAY['webhook_endpoints', 'webhook_messages',
    'webhook_deliveries', 'webhook_attempts']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', owned);
    EXECUTE format('CREATE POLICY tenant_rows ON %I '
      'USING (dp_row_visible(tenant_id)) '
      'WITH CHECK (dp_row_visible(tenant_id))', owned);
  END LOOP;
END;
$$;
