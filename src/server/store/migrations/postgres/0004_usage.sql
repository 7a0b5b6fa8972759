-- Use counts and last-used times of keys verified by this server's gateway API, written in
-- batches off the verification path. Not synced back: usage belongs to the gateway side.
CREATE TABLE key_usage (
  key_id TEXT PRIMARY KEY,
  use_count BIGINT NOT NULL DEFAULT 0,
  last_used_at TEXT NOT NULL
);
