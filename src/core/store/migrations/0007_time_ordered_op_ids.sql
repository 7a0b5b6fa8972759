-- Outbox operation ids become time-ordered: RFC 9562 version-7 UUIDs (Unix ms first, then
-- random bits) instead of version 4. Ids queued later sort later, so the desktop's
-- sync_outbox.op_id index and the server's at-most-once index on ops.op_id are appended to
-- instead of written all over. Ids already queued stay as they are (both kinds are UUIDs).
-- The triggers below are generated from src/core/sync/tables.ts (opIdV7MigrationSql; a test
-- checks they match).

DROP TRIGGER regions_sync_insert;
DROP TRIGGER regions_sync_update;
CREATE TRIGGER regions_sync_insert AFTER INSERT ON regions WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('regions', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'regions', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER regions_sync_update AFTER UPDATE ON regions WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'regions', NEW.id, field, NEW.updated_at FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'regions', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER servers_sync_insert;
DROP TRIGGER servers_sync_update;
CREATE TRIGGER servers_sync_insert AFTER INSERT ON servers WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('servers', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'servers', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'region_id' AS field WHERE NEW.region_id IS NOT NULL
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER servers_sync_update AFTER UPDATE ON servers WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'servers', NEW.id, field, NEW.updated_at FROM (
    SELECT 'region_id' AS field WHERE NEW.region_id IS NOT OLD.region_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'servers', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'region_id' AS field WHERE NEW.region_id IS NOT OLD.region_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER collections_sync_insert;
DROP TRIGGER collections_sync_update;
CREATE TRIGGER collections_sync_insert AFTER INSERT ON collections WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('collections', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'collections', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'server_id' AS field WHERE NEW.server_id IS NOT NULL
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER collections_sync_update AFTER UPDATE ON collections WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'collections', NEW.id, field, NEW.updated_at FROM (
    SELECT 'server_id' AS field WHERE NEW.server_id IS NOT OLD.server_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'collections', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'server_id' AS field WHERE NEW.server_id IS NOT OLD.server_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER clients_sync_insert;
DROP TRIGGER clients_sync_update;
CREATE TRIGGER clients_sync_insert AFTER INSERT ON clients WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('clients', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'clients', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'tier' AS field WHERE NEW.tier IS NOT NULL
    UNION ALL SELECT 'notes' AS field WHERE NEW.notes IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER clients_sync_update AFTER UPDATE ON clients WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'clients', NEW.id, field, NEW.updated_at FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'tier' AS field WHERE NEW.tier IS NOT OLD.tier
    UNION ALL SELECT 'notes' AS field WHERE NEW.notes IS NOT OLD.notes
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'clients', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'tier' AS field WHERE NEW.tier IS NOT OLD.tier
    UNION ALL SELECT 'notes' AS field WHERE NEW.notes IS NOT OLD.notes
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER licences_sync_insert;
DROP TRIGGER licences_sync_update;
CREATE TRIGGER licences_sync_insert AFTER INSERT ON licences WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('licences', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'licences', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'client_id' AS field WHERE NEW.client_id IS NOT NULL
    UNION ALL SELECT 'collection_id' AS field WHERE NEW.collection_id IS NOT NULL
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL
    UNION ALL SELECT 'released_reason' AS field WHERE NEW.released_reason IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER licences_sync_update AFTER UPDATE ON licences WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'licences', NEW.id, field, NEW.updated_at FROM (
    SELECT 'client_id' AS field WHERE NEW.client_id IS NOT OLD.client_id
    UNION ALL SELECT 'collection_id' AS field WHERE NEW.collection_id IS NOT OLD.collection_id
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at
    UNION ALL SELECT 'released_reason' AS field WHERE NEW.released_reason IS NOT OLD.released_reason) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'licences', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'client_id' AS field WHERE NEW.client_id IS NOT OLD.client_id
    UNION ALL SELECT 'collection_id' AS field WHERE NEW.collection_id IS NOT OLD.collection_id
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at
    UNION ALL SELECT 'released_reason' AS field WHERE NEW.released_reason IS NOT OLD.released_reason)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER applications_sync_insert;
DROP TRIGGER applications_sync_update;
CREATE TRIGGER applications_sync_insert AFTER INSERT ON applications WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND NOT (NEW.builtin = 1)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('applications', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'applications', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT NULL
    UNION ALL SELECT 'template' AS field WHERE NEW.default_permissions IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER applications_sync_update AFTER UPDATE ON applications WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND NOT (NEW.builtin = 1)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'applications', NEW.id, field, NEW.updated_at FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT OLD.prefix
    UNION ALL SELECT 'template' AS field WHERE NEW.default_permissions IS NOT OLD.default_permissions
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'applications', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT OLD.prefix
    UNION ALL SELECT 'template' AS field WHERE NEW.default_permissions IS NOT OLD.default_permissions
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER key_groups_sync_insert;
DROP TRIGGER key_groups_sync_update;
CREATE TRIGGER key_groups_sync_insert AFTER INSERT ON key_groups WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('key_groups', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'key_groups', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER key_groups_sync_update AFTER UPDATE ON key_groups WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'key_groups', NEW.id, field, NEW.updated_at FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'key_groups', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER api_keys_sync_insert;
DROP TRIGGER api_keys_sync_update;
CREATE TRIGGER api_keys_sync_insert AFTER INSERT ON api_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('api_keys', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'api_keys', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'licence_id' AS field WHERE NEW.licence_id IS NOT NULL
    UNION ALL SELECT 'application_id' AS field WHERE NEW.application_id IS NOT NULL
    UNION ALL SELECT 'group_id' AS field WHERE NEW.group_id IS NOT NULL
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT NULL
    UNION ALL SELECT 'description' AS field WHERE NEW.description IS NOT NULL
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT NULL
    UNION ALL SELECT 'environment' AS field WHERE NEW.environment IS NOT NULL
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT NULL
    UNION ALL SELECT 'status_reason' AS field WHERE NEW.status_reason IS NOT NULL
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT NULL
    UNION ALL SELECT 'hint' AS field WHERE NEW.hint IS NOT NULL
    UNION ALL SELECT 'digest' AS field WHERE NEW.digest IS NOT NULL
    UNION ALL SELECT 'secret' AS field WHERE NEW.secret IS NOT NULL
    UNION ALL SELECT 'allowed_ips' AS field WHERE NEW.allowed_ips IS NOT NULL
    UNION ALL SELECT 'public_url' AS field WHERE NEW.public_url IS NOT NULL
    UNION ALL SELECT 'permissions' AS field WHERE NEW.permissions IS NOT NULL
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT NULL
    UNION ALL SELECT 'rotation_days' AS field WHERE NEW.rotation_days IS NOT NULL
    UNION ALL SELECT 'rate_limit_per_minute' AS field WHERE NEW.rate_limit_per_minute IS NOT NULL
    UNION ALL SELECT 'predecessor_id' AS field WHERE NEW.predecessor_id IS NOT NULL
    UNION ALL SELECT 'successor_id' AS field WHERE NEW.successor_id IS NOT NULL
    UNION ALL SELECT 'grace_until' AS field WHERE NEW.grace_until IS NOT NULL
    UNION ALL SELECT 'rotated_at' AS field WHERE NEW.rotated_at IS NOT NULL
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER api_keys_sync_update AFTER UPDATE ON api_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'api_keys', NEW.id, field, NEW.updated_at FROM (
    SELECT 'licence_id' AS field WHERE NEW.licence_id IS NOT OLD.licence_id
    UNION ALL SELECT 'application_id' AS field WHERE NEW.application_id IS NOT OLD.application_id
    UNION ALL SELECT 'group_id' AS field WHERE NEW.group_id IS NOT OLD.group_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'description' AS field WHERE NEW.description IS NOT OLD.description
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT OLD.audience
    UNION ALL SELECT 'environment' AS field WHERE NEW.environment IS NOT OLD.environment
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'status_reason' AS field WHERE NEW.status_reason IS NOT OLD.status_reason
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT OLD.prefix
    UNION ALL SELECT 'hint' AS field WHERE NEW.hint IS NOT OLD.hint
    UNION ALL SELECT 'digest' AS field WHERE NEW.digest IS NOT OLD.digest
    UNION ALL SELECT 'secret' AS field WHERE NEW.secret IS NOT OLD.secret
    UNION ALL SELECT 'allowed_ips' AS field WHERE NEW.allowed_ips IS NOT OLD.allowed_ips
    UNION ALL SELECT 'public_url' AS field WHERE NEW.public_url IS NOT OLD.public_url
    UNION ALL SELECT 'permissions' AS field WHERE NEW.permissions IS NOT OLD.permissions
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT OLD.expires_at
    UNION ALL SELECT 'rotation_days' AS field WHERE NEW.rotation_days IS NOT OLD.rotation_days
    UNION ALL SELECT 'rate_limit_per_minute' AS field WHERE NEW.rate_limit_per_minute IS NOT OLD.rate_limit_per_minute
    UNION ALL SELECT 'predecessor_id' AS field WHERE NEW.predecessor_id IS NOT OLD.predecessor_id
    UNION ALL SELECT 'successor_id' AS field WHERE NEW.successor_id IS NOT OLD.successor_id
    UNION ALL SELECT 'grace_until' AS field WHERE NEW.grace_until IS NOT OLD.grace_until
    UNION ALL SELECT 'rotated_at' AS field WHERE NEW.rotated_at IS NOT OLD.rotated_at
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT OLD.revoked_at
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'api_keys', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'licence_id' AS field WHERE NEW.licence_id IS NOT OLD.licence_id
    UNION ALL SELECT 'application_id' AS field WHERE NEW.application_id IS NOT OLD.application_id
    UNION ALL SELECT 'group_id' AS field WHERE NEW.group_id IS NOT OLD.group_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'description' AS field WHERE NEW.description IS NOT OLD.description
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT OLD.audience
    UNION ALL SELECT 'environment' AS field WHERE NEW.environment IS NOT OLD.environment
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'status_reason' AS field WHERE NEW.status_reason IS NOT OLD.status_reason
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT OLD.prefix
    UNION ALL SELECT 'hint' AS field WHERE NEW.hint IS NOT OLD.hint
    UNION ALL SELECT 'digest' AS field WHERE NEW.digest IS NOT OLD.digest
    UNION ALL SELECT 'secret' AS field WHERE NEW.secret IS NOT OLD.secret
    UNION ALL SELECT 'allowed_ips' AS field WHERE NEW.allowed_ips IS NOT OLD.allowed_ips
    UNION ALL SELECT 'public_url' AS field WHERE NEW.public_url IS NOT OLD.public_url
    UNION ALL SELECT 'permissions' AS field WHERE NEW.permissions IS NOT OLD.permissions
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT OLD.expires_at
    UNION ALL SELECT 'rotation_days' AS field WHERE NEW.rotation_days IS NOT OLD.rotation_days
    UNION ALL SELECT 'rate_limit_per_minute' AS field WHERE NEW.rate_limit_per_minute IS NOT OLD.rate_limit_per_minute
    UNION ALL SELECT 'predecessor_id' AS field WHERE NEW.predecessor_id IS NOT OLD.predecessor_id
    UNION ALL SELECT 'successor_id' AS field WHERE NEW.successor_id IS NOT OLD.successor_id
    UNION ALL SELECT 'grace_until' AS field WHERE NEW.grace_until IS NOT OLD.grace_until
    UNION ALL SELECT 'rotated_at' AS field WHERE NEW.rotated_at IS NOT OLD.rotated_at
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT OLD.revoked_at
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER service_users_sync_insert;
DROP TRIGGER service_users_sync_update;
CREATE TRIGGER service_users_sync_insert AFTER INSERT ON service_users WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('service_users', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'service_users', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'key_id' AS field WHERE NEW.key_id IS NOT NULL
    UNION ALL SELECT 'username' AS field WHERE NEW.username IS NOT NULL
    UNION ALL SELECT 'client_id' AS field WHERE NEW.client_id IS NOT NULL
    UNION ALL SELECT 'password_hash' AS field WHERE NEW.password_hash IS NOT NULL
    UNION ALL SELECT 'password_set_at' AS field WHERE NEW.password_set_at IS NOT NULL
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT NULL
    UNION ALL SELECT 'type' AS field WHERE NEW.type IS NOT NULL
    UNION ALL SELECT 'contact' AS field WHERE NEW.contact IS NOT NULL
    UNION ALL SELECT 'permission_profile' AS field WHERE NEW.permission_profile IS NOT NULL
    UNION ALL SELECT 'auth_method' AS field WHERE NEW.auth_method IS NOT NULL
    UNION ALL SELECT 'totp_secret' AS field WHERE NEW.totp_secret IS NOT NULL
    UNION ALL SELECT 'rest_permissions' AS field WHERE NEW.rest_permissions IS NOT NULL
    UNION ALL SELECT 'rest_endpoint' AS field WHERE NEW.rest_endpoint IS NOT NULL
    UNION ALL SELECT 'soap_permissions' AS field WHERE NEW.soap_permissions IS NOT NULL
    UNION ALL SELECT 'soap_endpoint' AS field WHERE NEW.soap_endpoint IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER service_users_sync_update AFTER UPDATE ON service_users WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'service_users', NEW.id, field, NEW.updated_at FROM (
    SELECT 'key_id' AS field WHERE NEW.key_id IS NOT OLD.key_id
    UNION ALL SELECT 'username' AS field WHERE NEW.username IS NOT OLD.username
    UNION ALL SELECT 'client_id' AS field WHERE NEW.client_id IS NOT OLD.client_id
    UNION ALL SELECT 'password_hash' AS field WHERE NEW.password_hash IS NOT OLD.password_hash
    UNION ALL SELECT 'password_set_at' AS field WHERE NEW.password_set_at IS NOT OLD.password_set_at
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'type' AS field WHERE NEW.type IS NOT OLD.type
    UNION ALL SELECT 'contact' AS field WHERE NEW.contact IS NOT OLD.contact
    UNION ALL SELECT 'permission_profile' AS field WHERE NEW.permission_profile IS NOT OLD.permission_profile
    UNION ALL SELECT 'auth_method' AS field WHERE NEW.auth_method IS NOT OLD.auth_method
    UNION ALL SELECT 'totp_secret' AS field WHERE NEW.totp_secret IS NOT OLD.totp_secret
    UNION ALL SELECT 'rest_permissions' AS field WHERE NEW.rest_permissions IS NOT OLD.rest_permissions
    UNION ALL SELECT 'rest_endpoint' AS field WHERE NEW.rest_endpoint IS NOT OLD.rest_endpoint
    UNION ALL SELECT 'soap_permissions' AS field WHERE NEW.soap_permissions IS NOT OLD.soap_permissions
    UNION ALL SELECT 'soap_endpoint' AS field WHERE NEW.soap_endpoint IS NOT OLD.soap_endpoint
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'service_users', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'key_id' AS field WHERE NEW.key_id IS NOT OLD.key_id
    UNION ALL SELECT 'username' AS field WHERE NEW.username IS NOT OLD.username
    UNION ALL SELECT 'client_id' AS field WHERE NEW.client_id IS NOT OLD.client_id
    UNION ALL SELECT 'password_hash' AS field WHERE NEW.password_hash IS NOT OLD.password_hash
    UNION ALL SELECT 'password_set_at' AS field WHERE NEW.password_set_at IS NOT OLD.password_set_at
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'type' AS field WHERE NEW.type IS NOT OLD.type
    UNION ALL SELECT 'contact' AS field WHERE NEW.contact IS NOT OLD.contact
    UNION ALL SELECT 'permission_profile' AS field WHERE NEW.permission_profile IS NOT OLD.permission_profile
    UNION ALL SELECT 'auth_method' AS field WHERE NEW.auth_method IS NOT OLD.auth_method
    UNION ALL SELECT 'totp_secret' AS field WHERE NEW.totp_secret IS NOT OLD.totp_secret
    UNION ALL SELECT 'rest_permissions' AS field WHERE NEW.rest_permissions IS NOT OLD.rest_permissions
    UNION ALL SELECT 'rest_endpoint' AS field WHERE NEW.rest_endpoint IS NOT OLD.rest_endpoint
    UNION ALL SELECT 'soap_permissions' AS field WHERE NEW.soap_permissions IS NOT OLD.soap_permissions
    UNION ALL SELECT 'soap_endpoint' AS field WHERE NEW.soap_endpoint IS NOT OLD.soap_endpoint
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER token_signing_keys_sync_insert;
DROP TRIGGER token_signing_keys_sync_update;
CREATE TRIGGER token_signing_keys_sync_insert AFTER INSERT ON token_signing_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('token_signing_keys', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'token_signing_keys', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'kid' AS field WHERE NEW.kid IS NOT NULL
    UNION ALL SELECT 'public_jwk' AS field WHERE NEW.public_jwk IS NOT NULL
    UNION ALL SELECT 'private_key' AS field WHERE NEW.private_key IS NOT NULL
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT NULL
    UNION ALL SELECT 'retired_at' AS field WHERE NEW.retired_at IS NOT NULL
    UNION ALL SELECT 'not_after' AS field WHERE NEW.not_after IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER token_signing_keys_sync_update AFTER UPDATE ON token_signing_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'token_signing_keys', NEW.id, field, NEW.updated_at FROM (
    SELECT 'kid' AS field WHERE NEW.kid IS NOT OLD.kid
    UNION ALL SELECT 'public_jwk' AS field WHERE NEW.public_jwk IS NOT OLD.public_jwk
    UNION ALL SELECT 'private_key' AS field WHERE NEW.private_key IS NOT OLD.private_key
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'retired_at' AS field WHERE NEW.retired_at IS NOT OLD.retired_at
    UNION ALL SELECT 'not_after' AS field WHERE NEW.not_after IS NOT OLD.not_after) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'token_signing_keys', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'kid' AS field WHERE NEW.kid IS NOT OLD.kid
    UNION ALL SELECT 'public_jwk' AS field WHERE NEW.public_jwk IS NOT OLD.public_jwk
    UNION ALL SELECT 'private_key' AS field WHERE NEW.private_key IS NOT OLD.private_key
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'retired_at' AS field WHERE NEW.retired_at IS NOT OLD.retired_at
    UNION ALL SELECT 'not_after' AS field WHERE NEW.not_after IS NOT OLD.not_after)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;

DROP TRIGGER tokens_sync_insert;
DROP TRIGGER tokens_sync_update;
CREATE TRIGGER tokens_sync_insert AFTER INSERT ON tokens WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('tokens', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'tokens', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'user_id' AS field WHERE NEW.user_id IS NOT NULL
    UNION ALL SELECT 'key_id' AS field WHERE NEW.key_id IS NOT NULL
    UNION ALL SELECT 'signing_key_id' AS field WHERE NEW.signing_key_id IS NOT NULL
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT NULL
    UNION ALL SELECT 'scope' AS field WHERE NEW.scope IS NOT NULL
    UNION ALL SELECT 'value' AS field WHERE NEW.value IS NOT NULL
    UNION ALL SELECT 'issued_at' AS field WHERE NEW.issued_at IS NOT NULL
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT NULL
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT NULL
    UNION ALL SELECT 'revoked_reason' AS field WHERE NEW.revoked_reason IS NOT NULL)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER tokens_sync_update AFTER UPDATE ON tokens WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT 'tokens', NEW.id, field, NEW.updated_at FROM (
    SELECT 'user_id' AS field WHERE NEW.user_id IS NOT OLD.user_id
    UNION ALL SELECT 'key_id' AS field WHERE NEW.key_id IS NOT OLD.key_id
    UNION ALL SELECT 'signing_key_id' AS field WHERE NEW.signing_key_id IS NOT OLD.signing_key_id
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT OLD.audience
    UNION ALL SELECT 'scope' AS field WHERE NEW.scope IS NOT OLD.scope
    UNION ALL SELECT 'value' AS field WHERE NEW.value IS NOT OLD.value
    UNION ALL SELECT 'issued_at' AS field WHERE NEW.issued_at IS NOT OLD.issued_at
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT OLD.expires_at
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT OLD.revoked_at
    UNION ALL SELECT 'revoked_reason' AS field WHERE NEW.revoked_reason IS NOT OLD.revoked_reason) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'tokens', NEW.id, field, NEW.collection_id, substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t FROM (
    SELECT 'user_id' AS field WHERE NEW.user_id IS NOT OLD.user_id
    UNION ALL SELECT 'key_id' AS field WHERE NEW.key_id IS NOT OLD.key_id
    UNION ALL SELECT 'signing_key_id' AS field WHERE NEW.signing_key_id IS NOT OLD.signing_key_id
    UNION ALL SELECT 'audience' AS field WHERE NEW.audience IS NOT OLD.audience
    UNION ALL SELECT 'scope' AS field WHERE NEW.scope IS NOT OLD.scope
    UNION ALL SELECT 'value' AS field WHERE NEW.value IS NOT OLD.value
    UNION ALL SELECT 'issued_at' AS field WHERE NEW.issued_at IS NOT OLD.issued_at
    UNION ALL SELECT 'expires_at' AS field WHERE NEW.expires_at IS NOT OLD.expires_at
    UNION ALL SELECT 'revoked_at' AS field WHERE NEW.revoked_at IS NOT OLD.revoked_at
    UNION ALL SELECT 'revoked_reason' AS field WHERE NEW.revoked_reason IS NOT OLD.revoked_reason)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
