import { v7 as uuidv7 } from 'uuid'
import type { Client, TierChangePreview } from '../../shared/contract/clients'
import { KeywardError } from '../../shared/errors'
import { licenceLimit, TIER_LABELS, type Tier } from '../../shared/licensing'
import { appendAudit } from '../audit/audit-log'
import { downgradeRefusal, liveLicenceCount, planTierChange } from '../licences/licence-rules'
import { releaseLicence, requireLicence } from '../licences/licences'
import type { Session } from '../session'
import { cleanName } from '../store/names'
import { insertStamps, requireLiveRow, tombstone } from '../store/rows'
import { prepared } from '../store/statements'

export interface ClientRow {
  id: string
  name: string
  tier: Tier
  notes: string
  created_at: string
  updated_at: string
}

export function requireClient(s: Session, id: string): ClientRow {
  return requireLiveRow<ClientRow>(s, 'clients', id, 'CLIENT_NOT_FOUND', 'client')
}

function toClient(s: Session, r: ClientRow): Client {
  return {
    id: r.id,
    name: r.name,
    tier: r.tier,
    notes: r.notes,
    licenceLimit: licenceLimit(r.tier),
    licenceCount: liveLicenceCount(s, r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

function assertNameFree(s: Session, name: string, exceptId?: string): void {
  const clash = prepared(s.db, 'SELECT id FROM clients WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND id IS NOT ?').get(name, exceptId ?? null)
  if (clash) throw new KeywardError('NAME_TAKEN', `A client named "${name}" already exists.`)
}

const get = (s: Session, id: string): Client => toClient(s, requireClient(s, id))

export interface TierChangeResult {
  client: Client
  releasedLicenceIds: string[]
  deactivatedKeyIds: string[]
}

export const clients = {
  list: (s: Session): Client[] => (prepared(s.db, 'SELECT * FROM clients WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE, id').all() as ClientRow[]).map((r) => toClient(s, r)),

  get,

  create(s: Session, actor: string, input: { name: string; tier: Tier; notes: string }): Client {
    const name = cleanName(input.name, 'client')
    return s.db.transaction(() => {
      assertNameFree(s, name)
      const id = uuidv7()
      const { createdAt, updatedAt } = insertStamps(s)
      prepared(s.db, 'INSERT INTO clients (id, name, tier, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, name, input.tier, input.notes, createdAt, updatedAt)
      appendAudit(s, { actor, action: 'clients.create', entity: 'client', entityId: id, details: { name, tier: input.tier } })
      return get(s, id)
    })()
  },

  update(s: Session, actor: string, input: { id: string; name?: string; notes?: string }): Client {
    const name = input.name === undefined ? undefined : cleanName(input.name, 'client')
    return s.db.transaction(() => {
      const row = requireClient(s, input.id)
      if (name !== undefined) assertNameFree(s, name, row.id)
      const next = { name: name ?? row.name, notes: input.notes ?? row.notes }
      const changed = Object.keys(next).filter((k) => next[k as keyof typeof next] !== row[k as keyof typeof next])
      if (changed.length === 0) return get(s, row.id)
      prepared(s.db, 'UPDATE clients SET name = ?, notes = ?, updated_at = ? WHERE id = ?').run(next.name, next.notes, s.hlc.now(), row.id)
      appendAudit(s, { actor, action: 'clients.update', entity: 'client', entityId: row.id, details: { fields: changed, ...(name !== undefined && name !== row.name ? { from: row.name, to: name } : {}) } })
      return get(s, row.id)
    })()
  },

  remove(s: Session, actor: string, id: string): { done: true } {
    s.db.transaction(() => {
      const row = requireClient(s, id)
      const n = liveLicenceCount(s, id)
      if (n > 0) throw new KeywardError('CLIENT_HAS_LICENCES', `"${row.name}" still holds ${n} master licence${n === 1 ? '' : 's'}; release ${n === 1 ? 'it' : 'them'} first.`)
      tombstone(s, 'clients', id)
      appendAudit(s, { actor, action: 'clients.delete', entity: 'client', entityId: id, details: { name: row.name } })
    })()
    return { done: true }
  },

  previewTierChange(s: Session, clientId: string, tier: Tier, releaseLicenceIds?: readonly string[]): TierChangePreview {
    return planTierChange(s, requireClient(s, clientId), tier, releaseLicenceIds)
  },

  /**
   * Applies a tier change atomically. A downgrade that leaves too many licences needs the
   * caller to name exactly the licences to release (as the preview listed them); those are
   * tombstoned and their keys made inactive in the same transaction, or nothing happens.
   */
  setTier(s: Session, actor: string, input: { id: string; tier: Tier; releaseLicenceIds?: readonly string[] }): TierChangeResult {
    const result = s.db.transaction(() => {
      const row = requireClient(s, input.id)
      const plan = planTierChange(s, row, input.tier, input.releaseLicenceIds)
      if (plan.mustRelease > 0 && input.releaseLicenceIds === undefined) throw downgradeRefusal(row, plan)
      const reason = `tier changed from ${TIER_LABELS[row.tier]} to ${TIER_LABELS[input.tier]}`
      const released = plan.releases.map((r) => releaseLicence(s, actor, requireLicence(s, r.licenceId), `master licence released: ${reason}`))
      if (row.tier !== input.tier) {
        prepared(s.db, 'UPDATE clients SET tier = ?, updated_at = ? WHERE id = ?').run(input.tier, s.hlc.now(), row.id)
      }
      const result = {
        releasedLicenceIds: released.map((r) => r.licenceId),
        deactivatedKeyIds: released.flatMap((r) => r.deactivatedKeyIds),
      }
      if (row.tier !== input.tier) {
        appendAudit(s, { actor, action: 'clients.setTier', entity: 'client', entityId: row.id, details: { from: row.tier, to: input.tier, ...result } })
      }
      return { client: get(s, row.id), ...result }
    })()
    s.keyIndex.refreshLicences(result.releasedLicenceIds)
    s.keyIndex.refreshKeys(result.deactivatedKeyIds)
    return result
  },
}
