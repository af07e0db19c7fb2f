-- The platform scope (app.platform = 'on') lets a session under dp_app see
-- every tenant's rows. Any session may set a custom setting, so from here
-- on the scope is honoured only for logins that are members of
-- dp_platform: the operator's login that runs migrations, the worker and
-- the CLI. The application's own login (DATABASE_APP_URL, a member of
-- dp_app only) stays held to the one tenant of its transaction, whatever
-- it sets.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dp_platform') THEN
    CREATE ROLE dp_platform NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT dp_platform TO %I', current_user);
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION dp_row_visible(row_tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT row_tenant = current_setting('app.tenant_id', true)
    OR (current_setting('app.platform', true) = 'on'
        AND pg_has_role(session_user, 'dp_platform', 'MEMBER'))
$$;

-- dp_app is the role of tenant-scoped requests: it reads and writes one
-- tenant's own rows and nothing more. The keyring, the migrations' ledger,
-- the tenants themselves and the tokens belong to the operator (the owner's
-- login: CLI, worker); the packager's own audit trail is append-only.
REVOKE ALL ON signing_keys, signing_key_rotations, schemaversion FROM dp_app;
REVOKE INSERT, UPDATE, DELETE ON tenants, api_tokens FROM dp_app;
REVOKE UPDATE, DELETE ON audit_events FROM dp_app;
