-- The desktop side of sync (DESIGN §6): settings, the outbox of local changes, per-field
-- HLC clocks, pulled changes not yet placed, per-collection sync state and the conflicts the
-- server raised. The triggers at the end are generated from src/core/sync/tables.ts
-- (outboxTriggerSql; a test checks they match).

-- One row while pulled changes are written: the outbox triggers skip those writes, so a
-- change that came from the server never goes back to it as ours.
CREATE TABLE sync_applying (
  id INTEGER PRIMARY KEY CHECK (id = 1)
) STRICT;

-- Local changes waiting to be pushed: one row per changed field, coalesced per
-- (entity, id, field). The value is read when it is pushed (secrets sealed under the sync
-- key with a nonce derived from op_id, so a retry sends exactly the same body). Re-dirtying
-- a field gives it a fresh op_id. Acknowledged rows are deleted by op_id only, so an edit
-- made while a push was in flight (a new op_id) stays queued.
CREATE TABLE sync_outbox (
  seq INTEGER PRIMARY KEY,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  op_id TEXT NOT NULL UNIQUE,
  hlc TEXT NOT NULL,
  UNIQUE (entity, entity_id, field)
) STRICT;

-- The HLC stamp of every synced field's current value, for merging pulled changes with the
-- shared rule. field '' is the stamp of the row's creation: the stamp of every field that
-- has no row of its own.
CREATE TABLE sync_clock (
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  hlc TEXT NOT NULL,
  PRIMARY KEY (entity, entity_id, field)
) STRICT, WITHOUT ROWID;

-- Pulled field values of entities that cannot be placed yet (a field or a parent row has
-- not arrived, or a local rule refuses the row for now); retried after every pulled page.
CREATE TABLE sync_inbox (
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  field TEXT NOT NULL,
  collection_id TEXT NOT NULL,
  value TEXT NOT NULL,
  hlc TEXT NOT NULL,
  PRIMARY KEY (entity, entity_id, field)
) STRICT, WITHOUT ROWID;

-- Per scope (a collection, or the organisation-wide scope of shared/sync.ts): the server's
-- change-log cursor, the last finished sync and whether the confirmed first sync ran.
CREATE TABLE sync_state (
  collection_id TEXT PRIMARY KEY,
  cursor INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),
  last_sync_at TEXT,
  initial_done INTEGER NOT NULL DEFAULT 0 CHECK (initial_done IN (0, 1))
) STRICT;

-- The remote instance this desktop syncs with. The device token lives in the OS keychain
-- (token is set only where no keychain exists, sealed under the vault's data key); the sync
-- key is sealed under the vault's data key (AAD sync_settings.sync_key:1).
CREATE TABLE sync_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  server_url TEXT NOT NULL,
  username TEXT NOT NULL,
  device_id TEXT NOT NULL,
  device_name TEXT NOT NULL,
  salt TEXT NOT NULL,
  sync_key BLOB NOT NULL,
  token BLOB,
  configured_at TEXT NOT NULL
) STRICT;

-- Conflicts the server raised for this organisation (licence rules), as the server sent them.
CREATE TABLE sync_conflicts (
  id TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  resolved_at TEXT,
  body TEXT NOT NULL
) STRICT;

-- Rows written before this migration are queued too.
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'regions', id, '', updated_at FROM regions;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'regions', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'name' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = ''), regions.updated_at) AS hlc FROM regions WHERE name IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = ''), regions.updated_at) AS hlc FROM regions WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'regions' AND entity_id = regions.id AND field = ''), regions.updated_at) AS hlc FROM regions WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'servers', id, '', updated_at FROM servers;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'servers', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'region_id' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = 'region_id'), (SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = ''), servers.updated_at) AS hlc FROM servers WHERE region_id IS NOT NULL
    UNION ALL SELECT id, 'name' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = ''), servers.updated_at) AS hlc FROM servers WHERE name IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = ''), servers.updated_at) AS hlc FROM servers WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'servers' AND entity_id = servers.id AND field = ''), servers.updated_at) AS hlc FROM servers WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'collections', id, '', updated_at FROM collections;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'collections', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'server_id' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = 'server_id'), (SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = ''), collections.updated_at) AS hlc FROM collections WHERE server_id IS NOT NULL
    UNION ALL SELECT id, 'name' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = ''), collections.updated_at) AS hlc FROM collections WHERE name IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = ''), collections.updated_at) AS hlc FROM collections WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'collections' AND entity_id = collections.id AND field = ''), collections.updated_at) AS hlc FROM collections WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'clients', id, '', updated_at FROM clients;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'clients', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'name' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = ''), clients.updated_at) AS hlc FROM clients WHERE name IS NOT NULL
    UNION ALL SELECT id, 'tier' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = 'tier'), (SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = ''), clients.updated_at) AS hlc FROM clients WHERE tier IS NOT NULL
    UNION ALL SELECT id, 'notes' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = 'notes'), (SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = ''), clients.updated_at) AS hlc FROM clients WHERE notes IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = ''), clients.updated_at) AS hlc FROM clients WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'clients' AND entity_id = clients.id AND field = ''), clients.updated_at) AS hlc FROM clients WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'applications', id, '', updated_at FROM applications WHERE NOT (builtin = 1);
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'applications', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'name' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = ''), applications.updated_at) AS hlc FROM applications WHERE name IS NOT NULL AND NOT (builtin = 1)
    UNION ALL SELECT id, 'prefix' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = 'prefix'), (SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = ''), applications.updated_at) AS hlc FROM applications WHERE prefix IS NOT NULL AND NOT (builtin = 1)
    UNION ALL SELECT id, 'template' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = 'template'), (SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = ''), applications.updated_at) AS hlc FROM applications WHERE default_permissions IS NOT NULL AND NOT (builtin = 1)
    UNION ALL SELECT id, 'created_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = ''), applications.updated_at) AS hlc FROM applications WHERE created_at IS NOT NULL AND NOT (builtin = 1)
    UNION ALL SELECT id, 'deleted_at' AS field, '00000000-0000-0000-0000-000000000000' AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'applications' AND entity_id = applications.id AND field = ''), applications.updated_at) AS hlc FROM applications WHERE deleted_at IS NOT NULL AND NOT (builtin = 1))) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'licences', id, '', updated_at FROM licences;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'licences', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'client_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'client_id'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE client_id IS NOT NULL
    UNION ALL SELECT id, 'collection_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'collection_id'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE collection_id IS NOT NULL
    UNION ALL SELECT id, 'status' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'status'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE status IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE deleted_at IS NOT NULL
    UNION ALL SELECT id, 'released_reason' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = 'released_reason'), (SELECT hlc FROM sync_clock WHERE entity = 'licences' AND entity_id = licences.id AND field = ''), licences.updated_at) AS hlc FROM licences WHERE released_reason IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'key_groups', id, '', updated_at FROM key_groups;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'key_groups', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'name' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = ''), key_groups.updated_at) AS hlc FROM key_groups WHERE name IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = ''), key_groups.updated_at) AS hlc FROM key_groups WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'key_groups' AND entity_id = key_groups.id AND field = ''), key_groups.updated_at) AS hlc FROM key_groups WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'api_keys', id, '', updated_at FROM api_keys;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'api_keys', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'licence_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'licence_id'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE licence_id IS NOT NULL
    UNION ALL SELECT id, 'application_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'application_id'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE application_id IS NOT NULL
    UNION ALL SELECT id, 'group_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'group_id'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE group_id IS NOT NULL
    UNION ALL SELECT id, 'name' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'name'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE name IS NOT NULL
    UNION ALL SELECT id, 'description' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'description'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE description IS NOT NULL
    UNION ALL SELECT id, 'audience' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'audience'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE audience IS NOT NULL
    UNION ALL SELECT id, 'environment' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'environment'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE environment IS NOT NULL
    UNION ALL SELECT id, 'status' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'status'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE status IS NOT NULL
    UNION ALL SELECT id, 'status_reason' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'status_reason'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE status_reason IS NOT NULL
    UNION ALL SELECT id, 'prefix' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'prefix'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE prefix IS NOT NULL
    UNION ALL SELECT id, 'hint' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'hint'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE hint IS NOT NULL
    UNION ALL SELECT id, 'digest' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'digest'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE digest IS NOT NULL
    UNION ALL SELECT id, 'secret' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'secret'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE secret IS NOT NULL
    UNION ALL SELECT id, 'allowed_ips' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'allowed_ips'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE allowed_ips IS NOT NULL
    UNION ALL SELECT id, 'public_url' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'public_url'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE public_url IS NOT NULL
    UNION ALL SELECT id, 'permissions' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'permissions'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE permissions IS NOT NULL
    UNION ALL SELECT id, 'expires_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'expires_at'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE expires_at IS NOT NULL
    UNION ALL SELECT id, 'rotation_days' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'rotation_days'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE rotation_days IS NOT NULL
    UNION ALL SELECT id, 'rate_limit_per_minute' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'rate_limit_per_minute'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE rate_limit_per_minute IS NOT NULL
    UNION ALL SELECT id, 'predecessor_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'predecessor_id'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE predecessor_id IS NOT NULL
    UNION ALL SELECT id, 'successor_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'successor_id'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE successor_id IS NOT NULL
    UNION ALL SELECT id, 'grace_until' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'grace_until'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE grace_until IS NOT NULL
    UNION ALL SELECT id, 'rotated_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'rotated_at'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE rotated_at IS NOT NULL
    UNION ALL SELECT id, 'revoked_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'revoked_at'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE revoked_at IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'api_keys' AND entity_id = api_keys.id AND field = ''), api_keys.updated_at) AS hlc FROM api_keys WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'service_users', id, '', updated_at FROM service_users;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'service_users', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'key_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'key_id'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE key_id IS NOT NULL
    UNION ALL SELECT id, 'username' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'username'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE username IS NOT NULL
    UNION ALL SELECT id, 'client_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'client_id'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE client_id IS NOT NULL
    UNION ALL SELECT id, 'password_hash' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'password_hash'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE password_hash IS NOT NULL
    UNION ALL SELECT id, 'password_set_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'password_set_at'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE password_set_at IS NOT NULL
    UNION ALL SELECT id, 'status' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'status'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE status IS NOT NULL
    UNION ALL SELECT id, 'type' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'type'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE type IS NOT NULL
    UNION ALL SELECT id, 'contact' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'contact'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE contact IS NOT NULL
    UNION ALL SELECT id, 'permission_profile' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'permission_profile'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE permission_profile IS NOT NULL
    UNION ALL SELECT id, 'auth_method' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'auth_method'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE auth_method IS NOT NULL
    UNION ALL SELECT id, 'totp_secret' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'totp_secret'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE totp_secret IS NOT NULL
    UNION ALL SELECT id, 'rest_permissions' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'rest_permissions'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE rest_permissions IS NOT NULL
    UNION ALL SELECT id, 'rest_endpoint' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'rest_endpoint'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE rest_endpoint IS NOT NULL
    UNION ALL SELECT id, 'soap_permissions' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'soap_permissions'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE soap_permissions IS NOT NULL
    UNION ALL SELECT id, 'soap_endpoint' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'soap_endpoint'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE soap_endpoint IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'deleted_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = 'deleted_at'), (SELECT hlc FROM sync_clock WHERE entity = 'service_users' AND entity_id = service_users.id AND field = ''), service_users.updated_at) AS hlc FROM service_users WHERE deleted_at IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'token_signing_keys', id, '', updated_at FROM token_signing_keys;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'token_signing_keys', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'kid' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'kid'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE kid IS NOT NULL
    UNION ALL SELECT id, 'public_jwk' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'public_jwk'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE public_jwk IS NOT NULL
    UNION ALL SELECT id, 'private_key' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'private_key'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE private_key IS NOT NULL
    UNION ALL SELECT id, 'created_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'created_at'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE created_at IS NOT NULL
    UNION ALL SELECT id, 'retired_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'retired_at'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE retired_at IS NOT NULL
    UNION ALL SELECT id, 'not_after' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = 'not_after'), (SELECT hlc FROM sync_clock WHERE entity = 'token_signing_keys' AND entity_id = token_signing_keys.id AND field = ''), token_signing_keys.updated_at) AS hlc FROM token_signing_keys WHERE not_after IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT 'tokens', id, '', updated_at FROM tokens;
INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT 'tokens', id, field, scope, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), hlc FROM (SELECT id, field, scope, hlc, lower(hex(randomblob(16))) AS h FROM (
    SELECT id, 'user_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'user_id'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE user_id IS NOT NULL
    UNION ALL SELECT id, 'key_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'key_id'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE key_id IS NOT NULL
    UNION ALL SELECT id, 'signing_key_id' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'signing_key_id'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE signing_key_id IS NOT NULL
    UNION ALL SELECT id, 'audience' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'audience'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE audience IS NOT NULL
    UNION ALL SELECT id, 'scope' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'scope'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE scope IS NOT NULL
    UNION ALL SELECT id, 'value' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'value'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE value IS NOT NULL
    UNION ALL SELECT id, 'issued_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'issued_at'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE issued_at IS NOT NULL
    UNION ALL SELECT id, 'expires_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'expires_at'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE expires_at IS NOT NULL
    UNION ALL SELECT id, 'revoked_at' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'revoked_at'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE revoked_at IS NOT NULL
    UNION ALL SELECT id, 'revoked_reason' AS field, collection_id AS scope, COALESCE((SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = 'revoked_reason'), (SELECT hlc FROM sync_clock WHERE entity = 'tokens' AND entity_id = tokens.id AND field = ''), tokens.updated_at) AS hlc FROM tokens WHERE revoked_reason IS NOT NULL)) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;

-- Outbox triggers, one pair per synced table.
CREATE TRIGGER regions_sync_insert AFTER INSERT ON regions WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('regions', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'regions', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'regions', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER servers_sync_insert AFTER INSERT ON servers WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('servers', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'servers', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'servers', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'region_id' AS field WHERE NEW.region_id IS NOT OLD.region_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER collections_sync_insert AFTER INSERT ON collections WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('collections', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'collections', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'collections', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'server_id' AS field WHERE NEW.server_id IS NOT OLD.server_id
    UNION ALL SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER clients_sync_insert AFTER INSERT ON clients WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('clients', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'clients', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'clients', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'tier' AS field WHERE NEW.tier IS NOT OLD.tier
    UNION ALL SELECT 'notes' AS field WHERE NEW.notes IS NOT OLD.notes
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER applications_sync_insert AFTER INSERT ON applications WHEN NOT EXISTS (SELECT 1 FROM sync_applying) AND NOT (NEW.builtin = 1)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('applications', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'applications', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'applications', NEW.id, field, '00000000-0000-0000-0000-000000000000', substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'prefix' AS field WHERE NEW.prefix IS NOT OLD.prefix
    UNION ALL SELECT 'template' AS field WHERE NEW.default_permissions IS NOT OLD.default_permissions
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER licences_sync_insert AFTER INSERT ON licences WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('licences', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'licences', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'licences', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'client_id' AS field WHERE NEW.client_id IS NOT OLD.client_id
    UNION ALL SELECT 'collection_id' AS field WHERE NEW.collection_id IS NOT OLD.collection_id
    UNION ALL SELECT 'status' AS field WHERE NEW.status IS NOT OLD.status
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at
    UNION ALL SELECT 'released_reason' AS field WHERE NEW.released_reason IS NOT OLD.released_reason)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER key_groups_sync_insert AFTER INSERT ON key_groups WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('key_groups', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'key_groups', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'key_groups', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'name' AS field WHERE NEW.name IS NOT OLD.name
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'deleted_at' AS field WHERE NEW.deleted_at IS NOT OLD.deleted_at)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER api_keys_sync_insert AFTER INSERT ON api_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('api_keys', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'api_keys', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'api_keys', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
CREATE TRIGGER service_users_sync_insert AFTER INSERT ON service_users WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('service_users', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'service_users', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'service_users', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
CREATE TRIGGER token_signing_keys_sync_insert AFTER INSERT ON token_signing_keys WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('token_signing_keys', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'token_signing_keys', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'token_signing_keys', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
    SELECT 'kid' AS field WHERE NEW.kid IS NOT OLD.kid
    UNION ALL SELECT 'public_jwk' AS field WHERE NEW.public_jwk IS NOT OLD.public_jwk
    UNION ALL SELECT 'private_key' AS field WHERE NEW.private_key IS NOT OLD.private_key
    UNION ALL SELECT 'created_at' AS field WHERE NEW.created_at IS NOT OLD.created_at
    UNION ALL SELECT 'retired_at' AS field WHERE NEW.retired_at IS NOT OLD.retired_at
    UNION ALL SELECT 'not_after' AS field WHERE NEW.not_after IS NOT OLD.not_after)) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id;
END;
CREATE TRIGGER tokens_sync_insert AFTER INSERT ON tokens WHEN NOT EXISTS (SELECT 1 FROM sync_applying)
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('tokens', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT 'tokens', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
    SELECT 'tokens', NEW.id, field, NEW.collection_id, substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12), NEW.updated_at FROM (SELECT field, lower(hex(randomblob(16))) AS h FROM (
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
