-- entity_fields (collection_id, entity) was never read: the in-memory copy is rebuilt by
-- scanning entity_fields, pulls read changes. It cost every pushed field one more index
-- entry, so it goes.
DROP INDEX IF EXISTS entity_fields_collection;
