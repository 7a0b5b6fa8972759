-- keyward:rebuilds-tables
-- Which device sent a change, and when, is a fact of its push batch, not of each change: an
-- initial sync writes hundreds of thousands of changes in batches of a thousand. `pushes`
-- holds it once per batch, and a change row names its batch (push_id) instead of repeating
-- the device id and the time, and without a foreign-key lookup of the device per row.
-- A change with an op id came from the batch's device; one without is a correction the
-- server wrote while applying that batch (before this migration: origin_device NULL).
-- Nothing is lost: each stored (origin_device, received_at) pair becomes one push, in log
-- order, the rows the server wrote itself keeping a push without a device.
-- SQLite cannot drop a column that a foreign key uses in place: changes is rebuilt (the
-- runner turns foreign keys off for this and checks them before the commit).

CREATE TABLE pushes (
  id INTEGER PRIMARY KEY,
  -- NULL only for rows written before this migration by the server itself
  device_id TEXT REFERENCES devices (id),
  received_at TEXT NOT NULL
) STRICT;
INSERT INTO pushes (device_id, received_at)
  SELECT origin_device, received_at FROM changes GROUP BY origin_device, received_at ORDER BY MIN(seq);
CREATE INDEX pushes_upgrade ON pushes (received_at, device_id);

CREATE TABLE changes_new (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  op_id TEXT,
  push_id INTEGER NOT NULL REFERENCES pushes (id)
) STRICT;
INSERT INTO changes_new (seq, collection_id, entity, entity_id, field, value, hlc, op_id, push_id)
  SELECT c.seq, c.collection_id, c.entity, c.entity_id, c.field, c.value, c.hlc, c.op_id,
    (SELECT p.id FROM pushes p WHERE p.received_at = c.received_at AND p.device_id IS c.origin_device)
  FROM changes c ORDER BY c.seq;
DROP INDEX pushes_upgrade;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_collection_seq ON changes (collection_id, seq);
CREATE UNIQUE INDEX changes_op ON changes (op_id) WHERE op_id IS NOT NULL;
