import { ORGANISATION_SCOPE, SYNC_ENTITIES, type SyncEntity } from '../../shared/sync'

/**
 * How each synced entity of the wire (shared/sync.ts) maps onto the desktop's tables: which
 * column holds each wire field and how its value is encoded there. The outbox triggers of
 * migration 0006 are generated from this table (see `outboxTriggerSql`, checked by a test),
 * and push and pull read and write columns through it, so the three cannot drift apart.
 */
export type Codec =
  /** TEXT, INTEGER or NULL as is */
  | 'plain'
  /** TEXT holding a JSON array of strings ↔ an array */
  | 'json-array'
  /** BLOB of 32 bytes ↔ 64 hex characters */
  | 'hex'
  /** BLOB sealed under the vault's data key (seal.ts, AAD `<table>.<column>:<id>`) ↔ sealed under the sync key */
  | 'sealed-blob'
  /** TEXT kept as is locally (an Argon2id PHC hash) ↔ sealed under the sync key */
  | 'sealed-text'

export interface FieldMap {
  field: string
  column: string
  codec: Codec
}

export interface TableMap {
  entity: SyncEntity
  table: string
  /** The column holding the entity's collection; absent for organisation-wide entities. */
  collectionColumn?: string
  fields: FieldMap[]
  /** SQL condition on NEW of rows that never sync (the built-in application kinds every desktop seeds itself). */
  localOnly?: string
  /** Order of materialising pulled entities: parents before children. */
  rank: number
}

const overrides: Partial<Record<SyncEntity, Record<string, Partial<FieldMap>>>> = {
  applications: { template: { column: 'default_permissions', codec: 'json-array' } },
  api_keys: { digest: { codec: 'hex' }, secret: { codec: 'sealed-blob' }, allowed_ips: { codec: 'json-array' }, permissions: { codec: 'json-array' } },
  service_users: {
    password_hash: { codec: 'sealed-text' },
    totp_secret: { codec: 'sealed-blob' },
    rest_permissions: { codec: 'json-array' },
    soap_permissions: { codec: 'json-array' },
  },
  token_signing_keys: { private_key: { codec: 'sealed-blob' } },
  tokens: { value: { codec: 'sealed-blob' } },
}

/** Wire fields the desktop has no column for (signing keys and tokens are retired or revoked, never tombstoned here). */
const absent: Partial<Record<SyncEntity, string[]>> = { token_signing_keys: ['deleted_at'], tokens: ['deleted_at'] }

const ranks: Record<SyncEntity, number> = {
  regions: 0,
  servers: 1,
  collections: 2,
  clients: 3,
  applications: 3,
  licences: 4,
  key_groups: 4,
  api_keys: 5,
  service_users: 6,
  token_signing_keys: 6,
  tokens: 7,
}

const collectionColumns: Partial<Record<SyncEntity, string>> = {
  licences: 'collection_id',
  key_groups: 'collection_id',
  api_keys: 'collection_id',
  service_users: 'collection_id',
  token_signing_keys: 'collection_id',
  tokens: 'collection_id',
}

export const TABLES: TableMap[] = (Object.keys(SYNC_ENTITIES) as SyncEntity[]).map((entity) => ({
  entity,
  table: entity,
  collectionColumn: collectionColumns[entity],
  localOnly: entity === 'applications' ? 'NEW.builtin = 1' : undefined,
  rank: ranks[entity],
  fields: SYNC_ENTITIES[entity].fields
    .filter((field) => !absent[entity]?.includes(field))
    .map((field) => ({ field, column: field, codec: 'plain' as Codec, ...overrides[entity]?.[field] })),
}))

export const tableOf = (entity: SyncEntity): TableMap => TABLES.find((t) => t.entity === entity)!

/**
 * How the outbox names an operation: an RFC 9562 UUID, version 7 since migration 0007 (the
 * first 48 bits are the Unix time in ms, so ids queued later sort later and the server's
 * at-most-once index on op ids, like the desktop's own, is appended to rather than written all
 * over), version 4 in migration 0006 as it shipped.
 */
export type OpIdVersion = 'v4' | 'v7'

/** The variant nibble (8, 9, a or b) from a random hex digit of `h`. */
const VARIANT = `substr('89ab', 1 + (unicode(substr(h, 17, 1)) % 4), 1)`
/** SQL that turns `h` (32 random hex digits) and, for v7, `t` (12 hex digits of Unix ms) into a fresh operation id. */
const OP_ID: Record<OpIdVersion, string> = {
  v4: `substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || ${VARIANT} || substr(h, 18, 3) || '-' || substr(h, 21, 12)`,
  v7: `substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(h, 14, 3) || '-' || ${VARIANT} || substr(h, 18, 3) || '-' || substr(h, 21, 12)`,
}
/** The columns a row needs for OP_ID: 32 fresh random hex digits per row, and the time for v7. */
const OP_ID_INPUTS: Record<OpIdVersion, string> = {
  v4: `lower(hex(randomblob(16))) AS h`,
  v7: `lower(hex(randomblob(16))) AS h, printf('%012x', CAST(unixepoch('subsec') * 1000 AS INTEGER)) AS t`,
}
/** Each field name with the inputs of its operation id. */
const withOpIdInputs = (fields: string, v: OpIdVersion) => `(SELECT field, ${OP_ID_INPUTS[v]} FROM (
    ${fields}))`

/**
 * The outbox triggers of one table. Every local write of a synced column queues one row per
 * changed field, coalesced per (entity, id, field); re-dirtying a queued field gives it a
 * fresh operation id, so a replayed op id never carries a different body. Writes made while pulled changes are applied (a row in
 * sync_applying) are not queued. The field's HLC is the row's new updated_at.
 */
export function outboxTriggerSql(t: TableMap, v: OpIdVersion = 'v7'): string {
  const scope = t.collectionColumn ? `NEW.${t.collectionColumn}` : `'${ORGANISATION_SCOPE}'`
  const guard = `NOT EXISTS (SELECT 1 FROM sync_applying)${t.localOnly ? ` AND NOT (${t.localOnly})` : ''}`
  const upsert = `ON CONFLICT (entity, entity_id, field) DO UPDATE SET op_id = excluded.op_id, hlc = excluded.hlc, collection_id = excluded.collection_id`
  const inserted = t.fields.map((f) => `SELECT '${f.field}' AS field WHERE NEW.${f.column} IS NOT NULL`).join('\n    UNION ALL ')
  const updated = t.fields.map((f) => `SELECT '${f.field}' AS field WHERE NEW.${f.column} IS NOT OLD.${f.column}`).join('\n    UNION ALL ')
  return `CREATE TRIGGER ${t.table}_sync_insert AFTER INSERT ON ${t.table} WHEN ${guard}
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES ('${t.entity}', NEW.id, '', NEW.updated_at)
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT '${t.entity}', NEW.id, field, ${scope}, ${OP_ID[v]}, NEW.updated_at FROM ${withOpIdInputs(inserted, v)} WHERE true
    ${upsert};
END;
CREATE TRIGGER ${t.table}_sync_update AFTER UPDATE ON ${t.table} WHEN ${guard}
BEGIN
  INSERT INTO sync_clock (entity, entity_id, field, hlc)
    SELECT '${t.entity}', NEW.id, field, NEW.updated_at FROM (
    ${updated}) WHERE true
    ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc;
  INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
    SELECT '${t.entity}', NEW.id, field, ${scope}, ${OP_ID[v]}, NEW.updated_at FROM ${withOpIdInputs(updated, v)} WHERE true
    ${upsert};
END;
`
}

/** The stamp of a field's current value: its own clock row, else the row's creation stamp. */
const fieldStamp = (t: TableMap, field: string) =>
  `COALESCE((SELECT hlc FROM sync_clock WHERE entity = '${t.entity}' AND entity_id = ${t.table}.id AND field = '${field}'), (SELECT hlc FROM sync_clock WHERE entity = '${t.entity}' AND entity_id = ${t.table}.id AND field = ''), ${t.table}.updated_at)`

function queueSql(t: TableMap, v: OpIdVersion): string {
  const scope = t.collectionColumn ?? `'${ORGANISATION_SCOPE}'`
  const also = t.localOnly ? ` AND NOT (${t.localOnly.replace(/NEW\./g, '')})` : ''
  const fields = t.fields
    .map((f) => `SELECT id, '${f.field}' AS field, ${scope} AS scope, ${fieldStamp(t, f.field)} AS hlc FROM ${t.table} WHERE ${f.column} IS NOT NULL${also}`)
    .join('\n    UNION ALL ')
  return `INSERT INTO sync_outbox (entity, entity_id, field, collection_id, op_id, hlc)
  SELECT '${t.entity}', id, field, scope, ${OP_ID[v]}, hlc FROM (SELECT id, field, scope, hlc, ${OP_ID_INPUTS[v]} FROM (
    ${fields})) WHERE true
  ON CONFLICT (entity, entity_id, field) DO NOTHING;
`
}

/** Queues every existing row of a table, so data made before this migration syncs too. */
export function backfillSql(t: TableMap, v: OpIdVersion = 'v7'): string {
  const only = t.localOnly ? ` WHERE NOT (${t.localOnly.replace(/NEW\./g, '')})` : ''
  return `INSERT INTO sync_clock (entity, entity_id, field, hlc) SELECT '${t.entity}', id, '', updated_at FROM ${t.table}${only};
${queueSql(t, v)}`
}

/** Queues every synced row of every table again, parents first (see outbox.requeueAll). */
export function requeueSql(): string {
  return [...TABLES].sort((a, b) => a.rank - b.rank).map((t) => queueSql(t, 'v7')).join('')
}

/** Migration 0007: every outbox trigger again, now naming operations with time-ordered (v7) ids. */
export function opIdV7MigrationSql(): string {
  return TABLES.map((t) => `DROP TRIGGER ${t.table}_sync_insert;
DROP TRIGGER ${t.table}_sync_update;
${outboxTriggerSql(t, 'v7')}`).join('\n')
}
