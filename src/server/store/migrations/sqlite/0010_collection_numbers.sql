-- keyward:rebuilds-tables
-- A change row named its collection by the collection's UUID text (36 bytes), in the row and
-- again in the changes (collection, seq) index, on every one of the hundreds of thousands of
-- changes of an initial sync. A server holds a handful of collections: each gets a small
-- number here once, and a change row holds that number. About a fifth fewer bytes written per
-- pushed change; pulls read the UUID back through this table.
-- Rows are never deleted: a number, once given, names its collection for good.
-- SQLite cannot change a column's type in place: changes is rebuilt (the runner turns foreign
-- keys off for this and checks them before the commit).

CREATE TABLE sync_collections (
  n INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO sync_collections (id) SELECT collection_id FROM changes GROUP BY collection_id ORDER BY MIN(seq);

CREATE TABLE changes_new (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_no INTEGER NOT NULL REFERENCES sync_collections (n),
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  op_id TEXT,
  push_id INTEGER NOT NULL REFERENCES pushes (id)
) STRICT;
INSERT INTO changes_new (seq, collection_no, entity, entity_id, field, value, hlc, op_id, push_id)
  SELECT c.seq, k.n, c.entity, c.entity_id, c.field, c.value, c.hlc, c.op_id, c.push_id
  FROM changes c JOIN sync_collections k ON k.id = c.collection_id ORDER BY c.seq;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_collection_seq ON changes (collection_no, seq);
CREATE UNIQUE INDEX changes_op ON changes (op_id) WHERE op_id IS NOT NULL;
