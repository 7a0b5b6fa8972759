-- The installation's Ed25519 signing key (audit reports, integrator bundles, audit
-- checkpoints). One row per vault; the private key is sealed (AES-256-GCM, AAD
-- installation_keys.private_key:<id>), the public key is not secret.
CREATE TABLE installation_keys (
  id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('signing')),
  algorithm TEXT NOT NULL CHECK (algorithm IN ('Ed25519')),
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  private_key BLOB NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX installation_keys_one_per_purpose ON installation_keys (purpose);

-- Integrator bundles this vault has imported, so the same bundle cannot be replayed. The
-- bundle id comes from the signed manifest; the fingerprint is SHA-256 of the file as given.
CREATE TABLE imported_bundles (
  bundle_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  signer_fingerprint TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  actor TEXT NOT NULL
) STRICT;
