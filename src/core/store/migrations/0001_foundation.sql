-- Installation facts (installation id, HLC node id). Never secrets.
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Synced tables: UUIDv7 ids, HLC stamps in updated_at, tombstones in deleted_at.
CREATE TABLE regions (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX regions_live_name ON regions (name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE servers (
  id TEXT PRIMARY KEY,
  region_id TEXT NOT NULL REFERENCES regions (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX servers_live_name ON servers (region_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE collections (
  id TEXT PRIMARY KEY,
  server_id TEXT NOT NULL REFERENCES servers (id),
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX collections_live_name ON collections (server_id, name COLLATE NOCASE) WHERE deleted_at IS NULL;
