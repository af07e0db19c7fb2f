-- Settings a tenant's admins change over the API (PATCH /settings). A
-- tenant without a row has the deployment's defaults; a NULL column means
-- "the default" too.
CREATE TABLE tenant_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants (id),
  retention_days integer CHECK (retention_days BETWEEN 1 AND 3650),
  jurisdiction_tags text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);

ALTER TABLE tenant_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_settings
  USING (dp_row_visible(tenant_id))
  WITH CHECK (dp_row_visible(tenant_id));
