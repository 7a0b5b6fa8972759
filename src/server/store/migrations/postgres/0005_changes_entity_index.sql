-- changes (entity, entity_id) was never read: pulls go by seq (and collection), the in-memory
-- copy is rebuilt from entity_fields. Keyed by random entity ids, it cost every push a
-- scattered page write per entity, so it goes.
DROP INDEX IF EXISTS changes_entity;
