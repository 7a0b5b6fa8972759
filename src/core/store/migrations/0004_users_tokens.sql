-- Service users, their tokens and the per-collection token signing keys (seeds 001, 003).
-- Synced tables use UUIDv7 ids, HLC stamps in updated_at and tombstones in deleted_at; the
-- login throttle is local state and is not synced. Secrets (TOTP secrets, token values,
-- signing private keys) are sealed with AES-256-GCM, AAD "<table>.<column>:<row id>".

-- The credentials an integration logs in with. `key_id` is the API key ("Server" in seed 001)
-- the admin chose; after a rotation the user follows the key's successor chain, so nothing
-- has to be rewritten when a key is rotated. `region_id` is copied from the collection
-- (collections never move between servers or regions) so the records table of a region can
-- be filtered, sorted and paged from one index without joins.
CREATE TABLE service_users (
  id TEXT PRIMARY KEY,
  region_id TEXT NOT NULL REFERENCES regions (id),
  collection_id TEXT NOT NULL REFERENCES collections (id),
  key_id TEXT NOT NULL REFERENCES api_keys (id),
  username TEXT NOT NULL,
  -- lower-cased username: uniqueness per collection and sorting are case-insensitive
  username_lc TEXT NOT NULL,
  client_id TEXT NOT NULL,
  -- PHC string of an Argon2id hash; the password itself is never stored
  password_hash TEXT NOT NULL,
  password_set_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
  type TEXT NOT NULL CHECK (type IN ('all_records', 'own_records', 'contact_records', 'group_records')),
  contact TEXT,
  permission_profile TEXT NOT NULL CHECK (permission_profile IN ('read_only', 'standard', 'administrator')),
  -- what login enforces; 'password_totp' only after a first code confirmed the secret
  auth_method TEXT NOT NULL CHECK (auth_method IN ('password', 'password_totp')),
  totp_secret BLOB,
  -- set by users.setupTotp, moved to totp_secret by users.confirmTotp
  totp_pending BLOB,
  -- highest 30-second step accepted, so a code cannot be replayed within its window
  totp_last_step INTEGER,
  rest_permissions TEXT NOT NULL DEFAULT '[]',
  rest_endpoint TEXT,
  soap_permissions TEXT NOT NULL DEFAULT '[]',
  soap_endpoint TEXT,
  last_token_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT,
  CHECK (type <> 'contact_records' OR contact IS NOT NULL),
  CHECK (auth_method = 'password' OR totp_secret IS NOT NULL)
) STRICT;
CREATE UNIQUE INDEX service_users_live_username ON service_users (collection_id, username_lc) WHERE deleted_at IS NULL;
-- client IDs are never reused, not even after a tombstone
CREATE UNIQUE INDEX service_users_client_id ON service_users (client_id);
-- The records table (seed 003): one covering index per sort order, region first, so a page
-- of 100 000 users is filtered, counted and ordered from one index without reading the
-- table; collection_id, key_id and username_lc ride along for the server/collection
-- filters, key matches and short (prefix) searches. records.ts names them with INDEXED BY
-- and orders by exactly their columns (rowid last), so no query ever sorts.
CREATE INDEX service_users_by_username ON service_users (region_id, username_lc, collection_id, key_id) WHERE deleted_at IS NULL;
CREATE INDEX service_users_by_client_id ON service_users (region_id, client_id, collection_id, key_id, username_lc) WHERE deleted_at IS NULL;
CREATE INDEX service_users_by_status ON service_users (region_id, status, username_lc, collection_id, key_id) WHERE deleted_at IS NULL;
CREATE INDEX service_users_by_created ON service_users (region_id, created_at, collection_id, key_id, username_lc) WHERE deleted_at IS NULL;
-- key-name order walks the keys in name order and pages through each key's users
CREATE INDEX service_users_by_key ON service_users (key_id, username_lc, collection_id) WHERE deleted_at IS NULL;

-- Substring search over username and client ID: a trigram index answers "contains" for
-- three or more characters without reading the table. Contentless (it stores no copy of
-- the text), kept in step by the triggers below; tombstoned users leave it.
CREATE VIRTUAL TABLE service_users_search USING fts5 (text, content = '', contentless_delete = 1, tokenize = 'trigram');
CREATE TRIGGER service_users_search_insert AFTER INSERT ON service_users WHEN NEW.deleted_at IS NULL BEGIN
  INSERT INTO service_users_search (rowid, text) VALUES (NEW.rowid, NEW.username || ' ' || NEW.client_id);
END;
CREATE TRIGGER service_users_search_update AFTER UPDATE OF username, client_id, deleted_at ON service_users BEGIN
  DELETE FROM service_users_search WHERE rowid = OLD.rowid;
  INSERT INTO service_users_search (rowid, text) SELECT NEW.rowid, NEW.username || ' ' || NEW.client_id WHERE NEW.deleted_at IS NULL;
END;

-- Ed25519 token signing keys, one current key per collection; a rotated key is retired and
-- stays in the collection's JWKS until not_after (the expiry of the last token it signed).
CREATE TABLE token_signing_keys (
  id TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL REFERENCES collections (id),
  -- RFC 7638 thumbprint of the public key, the JWT `kid`
  kid TEXT NOT NULL UNIQUE,
  public_jwk TEXT NOT NULL,
  -- PKCS#8 DER, sealed
  private_key BLOB NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT,
  not_after TEXT,
  updated_at TEXT NOT NULL,
  CHECK ((retired_at IS NULL) = (not_after IS NULL))
) STRICT;
CREATE UNIQUE INDEX token_signing_keys_current ON token_signing_keys (collection_id) WHERE retired_at IS NULL;
CREATE INDEX token_signing_keys_collection ON token_signing_keys (collection_id, created_at);

-- Issued tokens (JWTs). id is the `jti`; the value is sealed so "View more" can show it again.
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES service_users (id),
  collection_id TEXT NOT NULL REFERENCES collections (id),
  key_id TEXT NOT NULL REFERENCES api_keys (id),
  signing_key_id TEXT NOT NULL REFERENCES token_signing_keys (id),
  audience TEXT NOT NULL,
  scope TEXT NOT NULL,
  value BLOB NOT NULL,
  issued_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT,
  revoked_reason TEXT,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX tokens_user ON tokens (user_id, issued_at);
CREATE INDEX tokens_signing_key ON tokens (signing_key_id, expires_at);

-- Failed token requests per login subject (a user id, or collection + lower-cased username
-- when no such user exists), for exponential backoff. Local only, never synced.
CREATE TABLE token_login_throttle (
  subject TEXT PRIMARY KEY,
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT NOT NULL,
  blocked_until TEXT
) STRICT;
