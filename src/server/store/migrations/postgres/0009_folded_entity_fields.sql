-- entity_fields is folded from the change log after the pushes, not written by each push.
-- A change row is written only when it wins its field (under the 'changes' lock, in seq
-- order), so each field's winning change is its latest one, MAX(seq): the fold is one
-- INSERT … SELECT MAX(seq) … GROUP BY over a range of the log, which moves a field's pointer
-- only forwards and so can run in any order and on any instance. This row says how far
-- entity_fields is complete; on start the server reads entity_fields up to it and replays
-- the log after it. Until now every push wrote entity_fields, so it is complete to the end.
INSERT INTO server_meta (key, value) SELECT 'sync_fields_through', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM changes;
