-- Accounts of the remote instance: admins, their desktops (devices), gateway tokens.
-- Times are ISO-8601 UTC text (sortable as strings, identical in both dialects).
CREATE TABLE server_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE admins (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  -- Argon2id PHC string
  password_hash TEXT NOT NULL,
  -- AES-256-GCM under the server key, bound to this row (base64); NULL = no TOTP
  totp_secret TEXT,
  -- last accepted TOTP time step, so a code is never accepted twice
  totp_last_step INTEGER,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  admin_id TEXT NOT NULL REFERENCES admins (id),
  name TEXT NOT NULL,
  -- SHA-256 (hex) of the device token; the token itself is never stored
  token_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;
CREATE INDEX devices_admin ON devices (admin_id);

CREATE TABLE gateway_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  -- JSON array of scope names
  scopes TEXT NOT NULL,
  created_by TEXT NOT NULL REFERENCES admins (id),
  created_at TEXT NOT NULL,
  revoked_at TEXT
) STRICT;

-- Failed logins per "user:<name>" and "ip:<address>", shared by every instance.
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until TEXT,
  updated_at TEXT NOT NULL
) STRICT;
