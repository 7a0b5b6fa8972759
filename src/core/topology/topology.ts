import { v7 as uuidv7 } from 'uuid'
import { KeywardError, type ErrorCode } from '../../shared/errors'
import type { Collection, Region, Server } from '../../shared/model'
import type { Session } from '../session'
import { cleanName } from '../store/names'
import { appendAudit } from '../audit/audit-log'
import { prepared } from '../store/statements'

/**
 * Regions → servers → collections share one shape: a named row under a parent, unique name
 * among live siblings, tombstoned on delete, refused while it still has live children.
 */
interface Level {
  table: 'regions' | 'servers' | 'collections'
  label: string
  notFound: ErrorCode
  parentColumn?: 'region_id' | 'server_id'
  parent?: Level
  childTable?: 'servers' | 'collections'
  /** Rows of other domains that live in this level and must go first (licences, keys, groups). */
  dependents?: { table: string; column: string; one: string; many: string }[]
  childColumn?: 'region_id' | 'server_id'
}

const regionLevel: Level = { table: 'regions', label: 'region', notFound: 'REGION_NOT_FOUND', childTable: 'servers', childColumn: 'region_id' }
const serverLevel: Level = {
  table: 'servers',
  label: 'server',
  notFound: 'SERVER_NOT_FOUND',
  parentColumn: 'region_id',
  parent: regionLevel,
  childTable: 'collections',
  childColumn: 'server_id',
}
const collectionLevel: Level = {
  table: 'collections',
  label: 'collection',
  notFound: 'COLLECTION_NOT_FOUND',
  parentColumn: 'server_id',
  parent: serverLevel,
  // a tombstoned collection must not leave a bound licence or usable keys behind
  dependents: [
    { table: 'licences', column: 'collection_id', one: 'master licence', many: 'master licences' },
    { table: 'api_keys', column: 'collection_id', one: 'API key', many: 'API keys' },
    { table: 'key_groups', column: 'collection_id', one: 'key group', many: 'key groups' },
  ],
}

interface Row {
  id: string
  name: string
  created_at: string
  updated_at: string
  region_id?: string
  server_id?: string
}

function requireLive(s: Session, level: Level, id: string): Row {
  const row = prepared(s.db, `SELECT * FROM ${level.table} WHERE id = ? AND deleted_at IS NULL`).get(id) as Row | undefined
  if (!row) throw new KeywardError(level.notFound, `No ${level.label} with id ${id} exists (it may have been deleted).`)
  return row
}

function assertNameFree(s: Session, level: Level, name: string, parentId: string | undefined, exceptId?: string): void {
  const scope = level.parentColumn ? `AND ${level.parentColumn} = @parentId` : ''
  const clash = prepared(s.db, `SELECT id FROM ${level.table} WHERE name = @name COLLATE NOCASE AND deleted_at IS NULL ${scope} AND id IS NOT @exceptId`)
    .get({ name, parentId, exceptId: exceptId ?? null })
  if (clash) {
    const where = level.parent ? ` in this ${level.parent.label}` : ''
    throw new KeywardError('NAME_TAKEN', `A ${level.label} named "${name}" already exists${where}.`)
  }
}

function create(s: Session, actor: string, level: Level, rawName: string, parentId?: string): Row {
  const name = cleanName(rawName, level.label)
  return s.db.transaction(() => {
    if (level.parent && parentId) requireLive(s, level.parent, parentId)
    assertNameFree(s, level, name, parentId)
    const id = uuidv7()
    const stamp = s.hlc.now()
    const createdAt = s.now().toISOString()
    const columns = ['id', 'name', 'created_at', 'updated_at', ...(level.parentColumn ? [level.parentColumn] : [])]
    const values = [id, name, createdAt, stamp, ...(level.parentColumn ? [parentId] : [])]
    prepared(s.db, `INSERT INTO ${level.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...values)
    appendAudit(s, { actor, action: `${level.table}.create`, entity: level.label, entityId: id, details: { name, ...(parentId ? { parentId } : {}) } })
    return requireLive(s, level, id)
  })()
}

function rename(s: Session, actor: string, level: Level, id: string, rawName: string): Row {
  const name = cleanName(rawName, level.label)
  return s.db.transaction(() => {
    const row = requireLive(s, level, id)
    assertNameFree(s, level, name, level.parentColumn ? row[level.parentColumn] : undefined, id)
    prepared(s.db, `UPDATE ${level.table} SET name = ?, updated_at = ? WHERE id = ?`).run(name, s.hlc.now(), id)
    appendAudit(s, { actor, action: `${level.table}.rename`, entity: level.label, entityId: id, details: { from: row.name, to: name } })
    return requireLive(s, level, id)
  })()
}

function remove(s: Session, actor: string, level: Level, id: string): { done: true } {
  s.db.transaction(() => {
    const row = requireLive(s, level, id)
    if (level.childTable && level.childColumn) {
      const { n } = prepared(s.db, `SELECT count(*) AS n FROM ${level.childTable} WHERE ${level.childColumn} = ? AND deleted_at IS NULL`).get(id) as { n: number }
      if (n > 0) {
        throw new KeywardError('NOT_EMPTY', `The ${level.label} "${row.name}" still has ${n} ${n === 1 ? level.childTable.slice(0, -1) : level.childTable}; delete those first.`)
      }
    }
    for (const d of level.dependents ?? []) {
      const { n } = prepared(s.db, `SELECT count(*) AS n FROM ${d.table} WHERE ${d.column} = ? AND deleted_at IS NULL`).get(id) as { n: number }
      if (n > 0) throw new KeywardError('NOT_EMPTY', `The ${level.label} "${row.name}" still has ${n} ${n === 1 ? d.one : d.many}; release or delete ${n === 1 ? 'it' : 'them'} first.`)
    }
    const stamp = s.hlc.now()
    prepared(s.db, `UPDATE ${level.table} SET deleted_at = ?, updated_at = ? WHERE id = ?`).run(s.now().toISOString(), stamp, id)
    appendAudit(s, { actor, action: `${level.table}.delete`, entity: level.label, entityId: id, details: { name: row.name } })
  })()
  return { done: true }
}

/**
 * Takes a row made by another installation (an imported bundle) under its own id, so both
 * vaults and the remote instance agree on it. An existing live row with that id and parent
 * is kept as it is; anything that would make two different things one is refused.
 */
function adopt(s: Session, actor: string, level: Level, row: { id: string; name: string; parentId?: string }, via: Record<string, unknown>): boolean {
  const name = cleanName(row.name, level.label)
  const existing = s.db.prepare(`SELECT * FROM ${level.table} WHERE id = ?`).get(row.id) as (Row & { deleted_at: string | null }) | undefined
  if (existing) {
    if (existing.deleted_at) throw new KeywardError('BUNDLE_CONFLICT', `The ${level.label} "${existing.name}" of this bundle was deleted in this vault; restore it or import elsewhere.`)
    if (level.parentColumn && existing[level.parentColumn] !== row.parentId) {
      throw new KeywardError('BUNDLE_CONFLICT', `The ${level.label} "${existing.name}" sits under a different ${level.parent!.label} in this vault than in the bundle.`)
    }
    return false
  }
  const scope = level.parentColumn ? `AND ${level.parentColumn} = @parentId` : ''
  const clash = s.db.prepare(`SELECT id FROM ${level.table} WHERE name = @name COLLATE NOCASE AND deleted_at IS NULL ${scope}`).get({ name, parentId: row.parentId })
  if (clash) throw new KeywardError('BUNDLE_CONFLICT', `This vault already has a different ${level.label} named "${name}"; rename one of them first.`)
  const columns = ['id', 'name', 'created_at', 'updated_at', ...(level.parentColumn ? [level.parentColumn] : [])]
  const values = [row.id, name, s.now().toISOString(), s.hlc.now(), ...(level.parentColumn ? [row.parentId] : [])]
  s.db.prepare(`INSERT INTO ${level.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...values)
  appendAudit(s, { actor, action: `${level.table}.create`, entity: level.label, entityId: row.id, details: { name, ...(row.parentId ? { parentId: row.parentId } : {}), ...via } })
  return true
}

const toRegion = (r: Row): Region => ({ id: r.id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at })
const toServer = (r: Row): Server => ({ ...toRegion(r), regionId: r.region_id! })
const toCollection = (r: Row): Collection => ({ ...toRegion(r), serverId: r.server_id!, regionId: r.region_id! })

const COLLECTION_SELECT = `SELECT c.*, s.region_id FROM collections c JOIN servers s ON s.id = c.server_id`

function collectionById(s: Session, id: string): Collection {
  requireLive(s, collectionLevel, id)
  return toCollection(prepared(s.db, `${COLLECTION_SELECT} WHERE c.id = ?`).get(id) as Row)
}

export const regions = {
  list: (s: Session): Region[] =>
    (prepared(s.db, 'SELECT * FROM regions WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE').all() as Row[]).map(toRegion),
  create: (s: Session, actor: string, name: string) => toRegion(create(s, actor, regionLevel, name)),
  rename: (s: Session, actor: string, id: string, name: string) => toRegion(rename(s, actor, regionLevel, id, name)),
  remove: (s: Session, actor: string, id: string) => remove(s, actor, regionLevel, id),
  get: (s: Session, id: string) => toRegion(requireLive(s, regionLevel, id)),
  adopt: (s: Session, actor: string, row: { id: string; name: string }, via: Record<string, unknown>) => adopt(s, actor, regionLevel, row, via),
}

export const servers = {
  list: (s: Session, regionId: string): Server[] => {
    requireLive(s, regionLevel, regionId)
    return (prepared(s.db, 'SELECT * FROM servers WHERE region_id = ? AND deleted_at IS NULL ORDER BY name COLLATE NOCASE').all(regionId) as Row[]).map(toServer)
  },
  create: (s: Session, actor: string, regionId: string, name: string) => toServer(create(s, actor, serverLevel, name, regionId)),
  rename: (s: Session, actor: string, id: string, name: string) => toServer(rename(s, actor, serverLevel, id, name)),
  remove: (s: Session, actor: string, id: string) => remove(s, actor, serverLevel, id),
  get: (s: Session, id: string) => toServer(requireLive(s, serverLevel, id)),
  adopt: (s: Session, actor: string, row: { id: string; name: string; parentId: string }, via: Record<string, unknown>) => adopt(s, actor, serverLevel, row, via),
}

export const collections = {
  list: (s: Session, scope: { serverId: string } | { regionId: string }): Collection[] => {
    if ('serverId' in scope) {
      requireLive(s, serverLevel, scope.serverId)
      return (prepared(s.db, `${COLLECTION_SELECT} WHERE c.server_id = ? AND c.deleted_at IS NULL ORDER BY c.name COLLATE NOCASE`).all(scope.serverId) as Row[]).map(toCollection)
    }
    requireLive(s, regionLevel, scope.regionId)
    return (
      prepared(s.db, `${COLLECTION_SELECT} WHERE s.region_id = ? AND s.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY c.name COLLATE NOCASE`)
        .all(scope.regionId) as Row[]
    ).map(toCollection)
  },
  create: (s: Session, actor: string, serverId: string, name: string) => collectionById(s, create(s, actor, collectionLevel, name, serverId).id),
  rename: (s: Session, actor: string, id: string, name: string) => collectionById(s, rename(s, actor, collectionLevel, id, name).id),
  remove: (s: Session, actor: string, id: string) => remove(s, actor, collectionLevel, id),
  get: collectionById,
  adopt: (s: Session, actor: string, row: { id: string; name: string; parentId: string }, via: Record<string, unknown>) => adopt(s, actor, collectionLevel, row, via),
}
