import { v7 as uuidv7 } from 'uuid'
import type { Licence } from '../../shared/contract/clients'
import { KeywardError } from '../../shared/errors'
import { appendAudit } from '../audit/audit-log'
import { requireClient } from '../clients/clients'
import type { Session } from '../session'
import { insertStamps, requireLiveRow, tombstone } from '../store/rows'
import { collections } from '../topology/topology'
import { assertCollectionFree, assertRoomForLicence } from './licence-rules'
import { prepared } from '../store/statements'

export interface LicenceRow {
  id: string
  client_id: string
  collection_id: string
  status: 'active' | 'inactive'
  created_at: string
  updated_at: string
  deleted_at: string | null
}

const KEY_COUNT = `(SELECT count(*) FROM api_keys k WHERE k.licence_id = licences.id AND k.deleted_at IS NULL AND k.status <> 'revoked')`

const toLicence = (r: LicenceRow & { key_count: number }): Licence => ({
  id: r.id,
  clientId: r.client_id,
  collectionId: r.collection_id,
  status: r.status,
  keyCount: r.key_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export function requireLicence(s: Session, id: string): LicenceRow {
  return requireLiveRow<LicenceRow>(s, 'licences', id, 'LICENCE_NOT_FOUND', 'master licence')
}

/** The live licence bound to a collection, if any. */
export function licenceOfCollection(s: Session, collectionId: string): LicenceRow | undefined {
  return prepared(s.db, 'SELECT * FROM licences WHERE collection_id = ? AND deleted_at IS NULL').get(collectionId) as LicenceRow | undefined
}

function read(s: Session, id: string): Licence {
  const row = prepared(s.db, `SELECT *, ${KEY_COUNT} AS key_count FROM licences WHERE id = ? AND deleted_at IS NULL`).get(id) as (LicenceRow & { key_count: number }) | undefined
  if (!row) throw new KeywardError('LICENCE_NOT_FOUND', `No master licence with id ${id} exists (it may have been released).`)
  return toLicence(row)
}

export interface ReleaseResult {
  licenceId: string
  deactivatedKeyIds: string[]
}

/**
 * Tombstones a licence and makes its active keys inactive with the reason, so nothing keeps
 * verifying on a collection the client no longer licenses. Runs inside the caller's transaction.
 */
export function releaseLicence(s: Session, actor: string, licence: LicenceRow, reason: string): ReleaseResult {
  const keyIds = (prepared(s.db, `SELECT id FROM api_keys WHERE licence_id = ? AND deleted_at IS NULL AND status = 'active'`).all(licence.id) as { id: string }[]).map((k) => k.id)
  const deactivate = prepared(s.db, `UPDATE api_keys SET status = 'inactive', status_reason = ?, updated_at = ? WHERE id = ?`)
  for (const id of keyIds) deactivate.run(reason, s.hlc.now(), id)
  tombstone(s, 'licences', licence.id, { released_reason: reason })
  appendAudit(s, {
    actor,
    action: 'licences.release',
    entity: 'licence',
    entityId: licence.id,
    details: { clientId: licence.client_id, collectionId: licence.collection_id, reason, deactivatedKeyIds: keyIds },
  })
  return { licenceId: licence.id, deactivatedKeyIds: keyIds }
}

/**
 * Binds a new active licence of the client to the collection, within the tier's limit. Runs
 * inside the caller's transaction; the caller refreshes the key index after the commit.
 * `via` says why, for the audit entry (a bundle import binds one this way).
 */
export function bindLicence(s: Session, actor: string, clientId: string, collectionId: string, via: Record<string, unknown> = {}): string {
  const client = requireClient(s, clientId)
  collections.get(s, collectionId)
  assertCollectionFree(s, collectionId)
  assertRoomForLicence(s, client)
  const id = uuidv7()
  const { createdAt, updatedAt } = insertStamps(s)
  prepared(s.db, `INSERT INTO licences (id, client_id, collection_id, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)`).run(id, clientId, collectionId, createdAt, updatedAt)
  appendAudit(s, { actor, action: 'licences.create', entity: 'licence', entityId: id, details: { clientId, collectionId, tier: client.tier, ...via } })
  return id
}

export const licences = {
  list(s: Session, scope: { clientId?: string; collectionId?: string }): Licence[] {
    if (scope.clientId) requireClient(s, scope.clientId)
    if (scope.collectionId) collections.get(s, scope.collectionId)
    const rows = prepared(s.db, 
        `SELECT *, ${KEY_COUNT} AS key_count FROM licences WHERE deleted_at IS NULL
         AND (@clientId IS NULL OR client_id = @clientId) AND (@collectionId IS NULL OR collection_id = @collectionId)
         ORDER BY created_at, id`,
      )
      .all({ clientId: scope.clientId ?? null, collectionId: scope.collectionId ?? null }) as (LicenceRow & { key_count: number })[]
    return rows.map(toLicence)
  },

  get: read,

  create(s: Session, actor: string, clientId: string, collectionId: string): Licence {
    const licence = s.db.transaction(() => read(s, bindLicence(s, actor, clientId, collectionId)))()
    s.keyIndex.refreshLicences([licence.id])
    return licence
  },

  setStatus(s: Session, actor: string, id: string, status: 'active' | 'inactive'): Licence {
    const result = s.db.transaction(() => {
      const row = requireLicence(s, id)
      if (row.status !== status) {
        prepared(s.db, 'UPDATE licences SET status = ?, updated_at = ? WHERE id = ?').run(status, s.hlc.now(), id)
        appendAudit(s, { actor, action: 'licences.setStatus', entity: 'licence', entityId: id, details: { from: row.status, to: status } })
      }
      return read(s, id)
    })()
    s.keyIndex.refreshLicences([id])
    return result
  },

  /**
   * Moves a licence to another collection. Its keys reach their own collection only, so a
   * licence that still carries usable keys cannot move without orphaning them: refused.
   */
  rebind(s: Session, actor: string, id: string, collectionId: string): Licence {
    return s.db.transaction(() => {
      const row = requireLicence(s, id)
      collections.get(s, collectionId)
      if (row.collection_id === collectionId) return read(s, id)
      assertCollectionFree(s, collectionId, id)
      const { n } = prepared(s.db, `SELECT count(*) AS n FROM api_keys WHERE licence_id = ? AND deleted_at IS NULL AND status <> 'revoked'`).get(id) as { n: number }
      if (n > 0) {
        throw new KeywardError('LICENCE_HAS_KEYS', `Master licence ${id} still carries ${n} API key${n === 1 ? '' : 's'} for its current collection; revoke or delete ${n === 1 ? 'it' : 'them'} before binding the licence elsewhere.`)
      }
      prepared(s.db, 'UPDATE licences SET collection_id = ?, updated_at = ? WHERE id = ?').run(collectionId, s.hlc.now(), id)
      appendAudit(s, { actor, action: 'licences.rebind', entity: 'licence', entityId: id, details: { from: row.collection_id, to: collectionId } })
      return read(s, id)
    })()
  },

  remove(s: Session, actor: string, id: string): ReleaseResult {
    const result = s.db.transaction(() => releaseLicence(s, actor, requireLicence(s, id), 'master licence deleted'))()
    s.keyIndex.refreshLicences([id])
    s.keyIndex.refreshKeys(result.deactivatedKeyIds)
    return result
  },
}
