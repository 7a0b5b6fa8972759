import type { SyncPreview } from '../../shared/contract/sync'
import type { SyncEntity, SyncValue } from '../../shared/sync'
import type { Session } from '../session'
import { prepared } from '../store/statements'
import { decide } from './inbox'
import { beats, type Stamped } from './merge'
import { queuedItems } from './outbox'
import type { Remote } from './remote'
import { tableOf } from './tables'

type Item = SyncPreview['push'][number]

/** Fields that name an entity for people; never a secret. */
const LABEL_FIELDS = ['name', 'username', 'kid', 'audience'] as const

function label(entity: SyncEntity, id: string, local: Record<string, unknown> | undefined, incoming?: Map<string, Stamped<SyncValue>>): string {
  for (const f of LABEL_FIELDS) {
    const v = incoming?.get(f)?.value ?? local?.[f]
    if (typeof v === 'string' && v) return v
  }
  return `${entity} ${id.slice(0, 8)}`
}

const localRow = (s: Session, entity: SyncEntity, id: string) => prepared(s.db, `SELECT * FROM ${tableOf(entity).table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined

/**
 * The dry run of one scope's sync: what this desktop would send (its outbox), what the
 * server holds after our cursor that would change local state (decided by the same merge
 * rule that applies it), and entities on both lists. Nothing is written, the cursor stays.
 */
export async function previewScope(s: Session, remote: Remote, token: string, scope: string, cursor: number, limit: number, pageSize: number): Promise<SyncPreview> {
  const incoming = new Map<string, { entity: SyncEntity; id: string; fields: Map<string, Stamped<SyncValue>> }>()
  let truncated = false
  for (let at = cursor; ; ) {
    const page = await remote.call('sync.pull', { token, query: { cursor: at, limit: pageSize, collectionId: scope } })
    for (const c of page.changes) {
      const k = `${c.entity}:${c.entityId}`
      let e = incoming.get(k)
      if (!e) incoming.set(k, (e = { entity: c.entity, id: c.entityId, fields: new Map() }))
      const held = e.fields.get(c.field)
      if (!held || beats(c.field, c, held)) e.fields.set(c.field, { value: c.value, hlc: c.hlc })
    }
    at = page.next
    if (!page.more) break
    if (incoming.size > limit * 4) {
      truncated = true
      break
    }
  }
  const pull: Item[] = []
  for (const e of incoming.values()) {
    const d = decide(s, tableOf(e.entity), e.id, e.fields)
    if (d.winners.length === 0) continue
    const deleted = d.winners.some((w) => w.field === 'deleted_at' && w.value !== null)
    pull.push({ entity: e.entity, entityId: e.id, label: label(e.entity, e.id, localRow(s, e.entity, e.id), e.fields), change: deleted ? 'delete' : d.exists ? 'update' : 'create', fields: d.winners.map((w) => w.field) })
  }
  const push: Item[] = queuedItems(s, scope).map((q) => {
    const row = localRow(s, q.entity, q.entityId)
    const deleted = q.fields.includes('deleted_at') && row?.deleted_at != null
    const isNew = !!row && q.fields.includes('created_at')
    return { entity: q.entity, entityId: q.entityId, label: label(q.entity, q.entityId, row), change: deleted ? 'delete' : isNew ? 'create' : 'update', fields: q.fields }
  })
  const pulled = new Set(pull.map((i) => `${i.entity}:${i.entityId}`))
  const pushed = new Set(push.map((i) => `${i.entity}:${i.entityId}`))
  const both = push.filter((i) => pulled.has(`${i.entity}:${i.entityId}`)).map((i) => ({ ...i, fields: [...new Set([...i.fields, ...(pull.find((p) => p.entity === i.entity && p.entityId === i.entityId)?.fields ?? [])])] }))
  const cap = <T>(list: T[]) => {
    if (list.length > limit) truncated = true
    return list.slice(0, limit)
  }
  return {
    collectionId: scope,
    push: cap(push.filter((i) => !pulled.has(`${i.entity}:${i.entityId}`))),
    pull: cap(pull.filter((i) => !pushed.has(`${i.entity}:${i.entityId}`))),
    both: cap(both),
    truncated,
  }
}
