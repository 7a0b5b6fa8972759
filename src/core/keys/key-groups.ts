import { v7 as uuidv7 } from 'uuid'
import type { KeyGroup } from '../../shared/contract/keys'
import { KeywardError } from '../../shared/errors'
import { appendAudit } from '../audit/audit-log'
import type { Session } from '../session'
import { cleanName } from '../store/names'
import { insertStamps, requireLiveRow, tombstone } from '../store/rows'
import { collections } from '../topology/topology'
import { prepared } from '../store/statements'

/** Groups organise the keys of one collection (seed 002); they carry no permissions. */
interface GroupRow {
  id: string
  collection_id: string
  name: string
  created_at: string
  updated_at: string
}

const KEY_COUNT = '(SELECT count(*) FROM api_keys k WHERE k.group_id = key_groups.id AND k.deleted_at IS NULL)'

const toGroup = (r: GroupRow & { key_count: number }): KeyGroup => ({
  id: r.id,
  collectionId: r.collection_id,
  name: r.name,
  keyCount: r.key_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

function requireGroup(s: Session, id: string): GroupRow {
  return requireLiveRow<GroupRow>(s, 'key_groups', id, 'KEY_GROUP_NOT_FOUND', 'key group')
}

/** A key may only join a group of its own collection. */
export function requireGroupOf(s: Session, groupId: string, collectionId: string): GroupRow {
  const group = requireGroup(s, groupId)
  if (group.collection_id !== collectionId) {
    throw new KeywardError('KEY_GROUP_MISMATCH', `The key group "${group.name}" belongs to another collection; a key can only join a group of its own collection.`)
  }
  return group
}

function assertNameFree(s: Session, collectionId: string, name: string, exceptId?: string): void {
  if (prepared(s.db, 'SELECT id FROM key_groups WHERE collection_id = ? AND name = ? COLLATE NOCASE AND deleted_at IS NULL AND id IS NOT ?').get(collectionId, name, exceptId ?? null)) {
    throw new KeywardError('NAME_TAKEN', `A key group named "${name}" already exists in this collection.`)
  }
}

const read = (s: Session, id: string): KeyGroup => {
  const row = prepared(s.db, `SELECT *, ${KEY_COUNT} AS key_count FROM key_groups WHERE id = ? AND deleted_at IS NULL`).get(id) as (GroupRow & { key_count: number }) | undefined
  if (!row) throw new KeywardError('KEY_GROUP_NOT_FOUND', `No key group with id ${id} exists (it may have been deleted).`)
  return toGroup(row)
}

export const keyGroups = {
  list(s: Session, collectionId: string): KeyGroup[] {
    collections.get(s, collectionId)
    return (
      prepared(s.db, `SELECT *, ${KEY_COUNT} AS key_count FROM key_groups WHERE collection_id = ? AND deleted_at IS NULL ORDER BY name COLLATE NOCASE, id`).all(collectionId) as (GroupRow & {
        key_count: number
      })[]
    ).map(toGroup)
  },

  create(s: Session, actor: string, collectionId: string, rawName: string): KeyGroup {
    const name = cleanName(rawName, 'key group')
    return s.db.transaction(() => {
      collections.get(s, collectionId)
      assertNameFree(s, collectionId, name)
      const id = uuidv7()
      const { createdAt, updatedAt } = insertStamps(s)
      prepared(s.db, 'INSERT INTO key_groups (id, collection_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, collectionId, name, createdAt, updatedAt)
      appendAudit(s, { actor, action: 'keyGroups.create', entity: 'key_group', entityId: id, details: { collectionId, name } })
      return read(s, id)
    })()
  },

  rename(s: Session, actor: string, id: string, rawName: string): KeyGroup {
    const name = cleanName(rawName, 'key group')
    return s.db.transaction(() => {
      const row = requireGroup(s, id)
      assertNameFree(s, row.collection_id, name, id)
      if (row.name !== name) {
        prepared(s.db, 'UPDATE key_groups SET name = ?, updated_at = ? WHERE id = ?').run(name, s.hlc.now(), id)
        appendAudit(s, { actor, action: 'keyGroups.rename', entity: 'key_group', entityId: id, details: { from: row.name, to: name } })
      }
      return read(s, id)
    })()
  },

  /** Empties the group (its keys stay, ungrouped) and tombstones it, in one transaction. */
  remove(s: Session, actor: string, id: string): { done: true; ungroupedKeyIds: string[] } {
    return s.db.transaction(() => {
      const row = requireGroup(s, id)
      const keyIds = (prepared(s.db, 'SELECT id FROM api_keys WHERE group_id = ? AND deleted_at IS NULL').all(id) as { id: string }[]).map((k) => k.id)
      const ungroup = prepared(s.db, 'UPDATE api_keys SET group_id = NULL, updated_at = ? WHERE id = ?')
      for (const keyId of keyIds) ungroup.run(s.hlc.now(), keyId)
      tombstone(s, 'key_groups', id)
      appendAudit(s, { actor, action: 'keyGroups.delete', entity: 'key_group', entityId: id, details: { name: row.name, ungroupedKeyIds: keyIds } })
      return { done: true as const, ungroupedKeyIds: keyIds }
    })()
  },
}
