-- Signing keys and their lifecycle (docs/keys.md). Private keys are kept
-- in cosign's encrypted format under the keyring password; a key imported
-- only to verify old bundles has none.
CREATE TABLE signing_keys (
  key_id text PRIMARY KEY,
  algorithm text NOT NULL,
  public_key_pem text NOT NULL,
  encrypted_private_key text,
  origin text NOT NULL CHECK (origin IN ('embedded', 'generated', 'imported')),
  status text NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
  valid_from timestamptz NOT NULL,
  valid_until timestamptz,
  revoked_at timestamptz,
  revocation_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_until IS NULL OR valid_until >= valid_from),
  CHECK ((status = 'active') = (valid_until IS NULL)),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CHECK (status <> 'active' OR encrypted_private_key IS NOT NULL)
);

-- Exactly one key signs: at most one row may be active at any time.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys ((true))
  WHERE status = 'active';

-- Each rotation, as a statement signed by the outgoing key.
CREATE TABLE signing_key_rotations (
  next_key_id text PRIMARY KEY REFERENCES signing_keys (key_id),
  previous_key_id text NOT NULL REFERENCES signing_keys (key_id),
  rotated_at timestamptz NOT NULL,
  statement text NOT NULL,
  signature text NOT NULL
);
