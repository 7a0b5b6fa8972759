-- keyward:rebuilds-tables
-- Fewer rows and bytes per pushed operation (an initial sync writes hundreds of thousands):
--  * An applied operation's at-most-once record is its change row, which holds the op as it
--    was sent (a replay is compared with it; the op id is unique there now), and `ops` keeps
--    only operations answered otherwise (stale, conflict) besides the rows written before
--    this migration. So changes.op_id no longer references ops.
--  * entity_fields keeps which change holds each field's winning value (its seq); value,
--    stamp and collection are read from that change. One tree, keyed by the field.
-- SQLite cannot drop a constraint or a column in place: both tables are rebuilt (the runner
-- turns foreign keys off for this and checks them before the commit).

CREATE TABLE changes_new (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  origin_device TEXT REFERENCES devices (id),
  op_id TEXT,
  received_at TEXT NOT NULL
) STRICT;
INSERT INTO changes_new (seq, collection_id, entity, entity_id, field, value, hlc, origin_device, op_id, received_at)
  SELECT seq, collection_id, entity, entity_id, field, value, hlc, origin_device, op_id, received_at FROM changes ORDER BY seq;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_collection_seq ON changes (collection_id, seq);
CREATE UNIQUE INDEX changes_op ON changes (op_id) WHERE op_id IS NOT NULL;

CREATE TABLE entity_fields_new (
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  seq INTEGER NOT NULL REFERENCES changes (seq),
  PRIMARY KEY (entity, entity_id, field)
) STRICT, WITHOUT ROWID;
INSERT INTO entity_fields_new (entity, entity_id, field, seq) SELECT entity, entity_id, field, seq FROM entity_fields;
DROP TABLE entity_fields;
ALTER TABLE entity_fields_new RENAME TO entity_fields;
