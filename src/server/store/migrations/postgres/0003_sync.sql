-- Sync (DESIGN §6). Values are JSON text; secret fields arrive already sealed under the
-- organisation sync key, so nothing here is readable by the server.

-- Push operations, applied at most once: a replay with the same request_hash gets the
-- stored result back; the same op_id with another body is refused.
CREATE TABLE ops (
  op_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices (id),
  request_hash TEXT NOT NULL,
  received_at TEXT NOT NULL,
  result TEXT NOT NULL
);

-- The server change log pulled by desktops after their cursor (seq). Appended under the
-- 'changes' lock so seq order is commit order and a cursor never skips a late commit.
CREATE TABLE changes (
  seq BIGSERIAL PRIMARY KEY,
  collection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  origin_device TEXT REFERENCES devices (id),
  op_id TEXT REFERENCES ops (op_id),
  received_at TEXT NOT NULL
);
CREATE INDEX changes_collection_seq ON changes (collection_id, seq);
CREATE INDEX changes_entity ON changes (entity, entity_id);

-- Materialised per-field state: the winner of last-writer-wins by HLC for each field.
CREATE TABLE entity_fields (
  collection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  seq BIGINT NOT NULL REFERENCES changes (seq),
  PRIMARY KEY (entity, entity_id, field)
);
CREATE INDEX entity_fields_collection ON entity_fields (collection_id, entity);

-- Changes the server refused to apply as sent (revoked is terminal, licence rules), kept
-- until an admin resolves them; never dropped silently.
CREATE TABLE conflicts (
  id TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  proposed_value TEXT,
  current_value TEXT,
  hlc TEXT NOT NULL,
  op_id TEXT REFERENCES ops (op_id),
  origin_device TEXT REFERENCES devices (id),
  detected_at TEXT NOT NULL,
  resolved_at TEXT,
  resolved_by TEXT,
  resolution TEXT
);
CREATE INDEX conflicts_open ON conflicts (collection_id, resolved_at);
