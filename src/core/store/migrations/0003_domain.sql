-- Clients, master licences, application kinds, key groups and API keys (seeds 000–003,
-- DESIGN §1–2). Synced tables: UUIDv7 ids (built-in application kinds keep their word ids),
-- HLC stamps in updated_at, tombstones in deleted_at. Times are ISO-8601 UTC strings.

-- A customer organisation; its tier caps how many live master licences it may hold.
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('blue', 'gold', 'platinum')),
  notes TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX clients_live_name ON clients (name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- A master licence binds one client to exactly one collection; a collection has at most one
-- live licence (the partial unique index is the last line of defence behind the service's
-- coded COLLECTION_ALREADY_LICENSED check).
CREATE TABLE licences (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients (id),
  collection_id TEXT NOT NULL REFERENCES collections (id),
  status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT,
  -- why it was tombstoned (tier downgrade, delete), for the audit report and the UI
  released_reason TEXT
) STRICT;
CREATE UNIQUE INDEX licences_live_collection ON licences (collection_id) WHERE deleted_at IS NULL;
CREATE INDEX licences_client ON licences (client_id);

-- Application kinds (Workflow, Mobile App, ERP, and any the admin adds). The prefix starts
-- every key of the kind; the template is the default permission set (JSON array of catalog ids).
CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL CHECK (length(prefix) BETWEEN 2 AND 8),
  default_permissions TEXT NOT NULL DEFAULT '[]',
  builtin INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX applications_live_prefix ON applications (prefix) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX applications_live_name ON applications (name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- Groups organise the keys of one collection (seed 002).
CREATE TABLE key_groups (
  id TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL REFERENCES collections (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX key_groups_live_name ON key_groups (collection_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;

-- API keys. The secret is never stored in clear: `digest` (SHA-256 of the whole key) finds
-- it, `secret` holds it sealed with AES-256-GCM (AAD api_keys.secret:<id>) for reveal/copy,
-- `hint` is what lists show. `status` is what the admin set; "expired" is derived from
-- expires_at / grace_until at read and verify time, so it needs no write when time passes.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL REFERENCES collections (id),
  licence_id TEXT NOT NULL REFERENCES licences (id),
  application_id TEXT NOT NULL REFERENCES applications (id),
  group_id TEXT REFERENCES key_groups (id),
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  audience TEXT NOT NULL CHECK (audience IN ('client', 'business')),
  environment TEXT NOT NULL CHECK (environment IN ('live', 'test')),
  status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'revoked')),
  status_reason TEXT,
  prefix TEXT NOT NULL,
  hint TEXT NOT NULL,
  digest BLOB NOT NULL CHECK (length(digest) = 32),
  secret BLOB NOT NULL,
  allowed_ips TEXT NOT NULL DEFAULT '[]',
  public_url TEXT,
  permissions TEXT NOT NULL DEFAULT '[]',
  expires_at TEXT,
  rotation_days INTEGER NOT NULL DEFAULT 90 CHECK (rotation_days BETWEEN 1 AND 3650),
  rate_limit_per_minute INTEGER CHECK (rate_limit_per_minute IS NULL OR rate_limit_per_minute > 0),
  -- rotation: the successor points back at its predecessor; the predecessor keeps verifying
  -- until grace_until and is then EXPIRED.
  predecessor_id TEXT REFERENCES api_keys (id),
  successor_id TEXT REFERENCES api_keys (id),
  grace_until TEXT,
  rotated_at TEXT,
  revoked_at TEXT,
  -- local usage statistics, flushed in batches from memory; not synced, no HLC bump
  last_used_at TEXT,
  use_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX api_keys_digest ON api_keys (digest);
-- One active key per (licence, application kind); a predecessor in its rotation grace period
-- (grace_until set) no longer holds the slot, so its successor can be active beside it.
CREATE UNIQUE INDEX api_keys_one_active_per_application ON api_keys (licence_id, application_id)
  WHERE status = 'active' AND deleted_at IS NULL AND grace_until IS NULL;
CREATE INDEX api_keys_collection ON api_keys (collection_id) WHERE deleted_at IS NULL;
CREATE INDEX api_keys_licence ON api_keys (licence_id);
CREATE INDEX api_keys_group ON api_keys (group_id) WHERE group_id IS NOT NULL;

-- Revoked is terminal (DESIGN §2, §6): no update, however it arrives, brings a key back.
CREATE TRIGGER api_keys_revoked_is_terminal BEFORE UPDATE OF status ON api_keys
  WHEN OLD.status = 'revoked' AND NEW.status <> 'revoked'
BEGIN
  SELECT RAISE(ABORT, 'a revoked API key cannot be reactivated');
END;
