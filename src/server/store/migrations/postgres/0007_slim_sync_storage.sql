-- Fewer rows and bytes per pushed operation (an initial sync writes hundreds of thousands):
--  * An applied operation's at-most-once record is its change row, which holds the op as it
--    was sent (a replay is compared with it; the op id is unique there now), and `ops` keeps
--    only operations answered otherwise (stale, conflict) besides the rows written before
--    this migration. So changes.op_id no longer references ops.
--  * entity_fields keeps which change holds each field's winning value (its seq); value,
--    stamp and collection are read from that change.
ALTER TABLE changes DROP CONSTRAINT changes_op_id_fkey;
CREATE UNIQUE INDEX changes_op ON changes (op_id) WHERE op_id IS NOT NULL;
ALTER TABLE entity_fields DROP COLUMN collection_id, DROP COLUMN value, DROP COLUMN hlc;
