import type { Change, SyncEntity, SyncValue } from '../../shared/sync'
import type { Logger } from '../logger'
import type { Session } from '../session'
import { prepared } from '../store/statements'
import { fromWire, plainForMerge, type CodecKeys } from './codec'
import { beats, type Stamped } from './merge'
import { TABLES, tableOf, type TableMap } from './tables'

/**
 * Applying pulled changes (DESIGN §6). A page of changes is merged with what `sync_inbox`
 * holds from earlier pages (per field, the shared merge rule), then every staged entity is
 * placed: an existing row takes the fields whose pulled stamp wins over its own; a missing row
 * is inserted once all its required fields and parent rows are there. A row a local rule
 * refuses for now stays staged in `sync_inbox` and is retried after the next page, so nothing
 * pulled is dropped. The merge and the placing work on a copy in memory, and `sync_inbox` is
 * written only when it held something or something waits: a page that places everything, as
 * nearly every page of a first sync does, writes no staging row at all (each change used to be
 * written there and deleted again in the same transaction: about a tenth of a first pull's
 * CPU, in alternating runs of the desktop sync bench). All of it runs
 * inside the caller's transaction with `sync_applying` set, so the outbox triggers never
 * queue a pulled change as ours.
 */

interface InboxRow {
  entity: SyncEntity
  entity_id: string
  field: string
  collection_id: string
  value: string
  hlc: string
}

export interface Placed {
  /** Fields that changed local state. */
  applied: number
  /** Entities changed, by entity, for index refreshes and data.changed events. */
  touched: Map<SyncEntity, Set<string>>
  /** Ids of collections this page created here (they came from the server). */
  newCollections: string[]
}

/** A staged field: its pulled value and stamp, and the collection the change named. */
interface StagedField extends Stamped<SyncValue> {
  collectionId: string
}

/** The staged fields of one entity. */
interface StagedEntity {
  t: TableMap
  id: string
  fields: Map<string, StagedField>
}

/**
 * What sync_inbox holds, merged with a page of pulled changes (per field, the shared merge
 * rule); remote stamps move the local clock forward.
 */
function stage(s: Session, changes: readonly Change[]): { staged: Map<string, StagedEntity>; stored: number } {
  const staged = new Map<string, StagedEntity>()
  const entityOf = (entity: SyncEntity, id: string) => {
    const k = `${entity}:${id}`
    let e = staged.get(k)
    if (!e) staged.set(k, (e = { t: tableOf(entity), id, fields: new Map() }))
    return e
  }
  const rows = prepared(s.db, 'SELECT * FROM sync_inbox').all() as InboxRow[]
  for (const r of rows) entityOf(r.entity, r.entity_id).fields.set(r.field, { value: JSON.parse(r.value) as SyncValue, hlc: r.hlc, collectionId: r.collection_id })
  for (const c of changes) {
    s.hlc.receive(c.hlc)
    const e = entityOf(c.entity, c.entityId)
    const before = e.fields.get(c.field)
    if (before && !beats(c.field, c, before)) continue
    e.fields.set(c.field, { value: c.value, hlc: c.hlc, collectionId: c.collectionId })
  }
  return { staged, stored: rows.length }
}

/** The collection of a staged entity: the one its first field (by name) named, as sync_inbox's key orders them. */
function collectionOf(e: StagedEntity): string {
  let first: string | undefined
  for (const field of e.fields.keys()) if (first === undefined || field < first) first = field
  return e.fields.get(first!)!.collectionId
}

/** What placing an entity would do, without writing: the fields that win, or a new row. */
export interface Decision {
  exists: boolean
  winners: { field: string; value: SyncValue; hlc: string }[]
}

export function decide(s: Session, t: TableMap, id: string, incoming: Map<string, Stamped<SyncValue>>): Decision {
  const row = prepared(s.db, `SELECT * FROM ${t.table} WHERE id = ?`).get(id) as Record<string, unknown> | undefined
  if (!row) return { exists: false, winners: [...incoming].map(([field, st]) => ({ field, value: st.value, hlc: st.hlc })) }
  const clocks = new Map((prepared(s.db, 'SELECT field, hlc FROM sync_clock WHERE entity = ? AND entity_id = ?').all(t.entity, id) as { field: string; hlc: string }[]).map((c) => [c.field, c.hlc]))
  const winners: Decision['winners'] = []
  for (const [field, st] of incoming) {
    const f = t.fields.find((x) => x.field === field)
    if (!f) continue
    // no clock: a field a pulled row arrived without (never set here), older than any stamp
    const hlc = clocks.get(field) ?? clocks.get('') ?? ''
    // an equal stamp is the same write coming back (our own push, or a replay)
    if (hlc === st.hlc) continue
    if (beats(field, st, { value: plainForMerge(f, row[f.column] as never), hlc })) winners.push({ field, value: st.value, hlc: st.hlc })
  }
  return { exists: true, winners }
}

/** Columns a pulled row needs that the wire does not carry. */
function derived(s: Session, t: TableMap, collectionId: string, values: Map<string, unknown>): Map<string, unknown> {
  const extra = new Map<string, unknown>()
  if (t.collectionColumn && !values.has(t.collectionColumn)) extra.set(t.collectionColumn, collectionId)
  if (t.entity === 'service_users') {
    const region = prepared(s.db, 'SELECT s.region_id FROM collections c JOIN servers s ON s.id = c.server_id WHERE c.id = ?').get(collectionId) as { region_id: string } | undefined
    extra.set('region_id', region?.region_id ?? null)
  }
  if (t.entity === 'service_users' && values.has('username')) extra.set('username_lc', String(values.get('username')).normalize('NFC').trim().toLowerCase())
  return extra
}

function write(s: Session, keys: CodecKeys, t: TableMap, id: string, collectionId: string, exists: boolean, winners: Decision['winners']): void {
  const values = new Map<string, unknown>()
  for (const w of winners) {
    const f = t.fields.find((x) => x.field === w.field)!
    values.set(f.column, fromWire(keys, t, f, id, w.value))
  }
  for (const [column, value] of derived(s, t, collectionId, values)) if (!exists || column === 'username_lc') values.set(column, value)
  const top = winners.reduce((m, w) => (w.hlc > m ? w.hlc : m), '')
  if (exists) {
    const sets = [...values.keys()].map((c) => `${c} = @${c}`)
    prepared(s.db, `UPDATE ${t.table} SET ${sets.join(', ')}, updated_at = max(updated_at, @__top) WHERE id = @__id`).run({ ...Object.fromEntries(values), __top: top, __id: id })
  } else {
    const columns = [...values.keys()]
    prepared(s.db, `INSERT INTO ${t.table} (id, ${columns.join(', ')}, updated_at) VALUES (@__id, ${columns.map((c) => `@${c}`).join(', ')}, @__top)`).run({
      ...Object.fromEntries(values),
      __top: top,
      __id: id,
    })
  }
  const clock = prepared(s.db, 'INSERT INTO sync_clock (entity, entity_id, field, hlc) VALUES (?, ?, ?, ?) ON CONFLICT (entity, entity_id, field) DO UPDATE SET hlc = excluded.hlc')
  // the local value a queued op would send lost to the pulled one: that op would change nothing
  const unqueue = prepared(s.db, 'DELETE FROM sync_outbox WHERE entity = ? AND entity_id = ? AND field = ?')
  for (const w of winners) {
    clock.run(t.entity, id, w.field, w.hlc)
    unqueue.run(t.entity, id, w.field)
  }
}

/**
 * Places one staged entity: a new row whole (in one savepoint), an existing row field by
 * field (each in its own savepoint, so a field a local rule refuses for now — a rotation's
 * successor_id before the successor exists — waits without holding back the others).
 * Returns the fields applied and the fields still waiting, with the last refusal.
 */
function placeOne(s: Session, keys: CodecKeys, t: TableMap, id: string, collectionId: string, incoming: Map<string, Stamped<SyncValue>>): { applied: number; created: boolean; waiting: string[]; error?: string } {
  const d = decide(s, t, id, incoming)
  if (d.winners.length === 0) return { applied: 0, created: false, waiting: [] }
  const groups = d.exists ? d.winners.map((w) => [w]) : [d.winners]
  let applied = 0
  const waiting: string[] = []
  let error: string | undefined
  for (const group of groups) {
    try {
      s.db.transaction(() => write(s, keys, t, id, collectionId, d.exists, group))()
      applied += group.length
    } catch (e) {
      waiting.push(...group.map((w) => w.field))
      error = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : typeof e
    }
  }
  return { applied, created: !d.exists && applied > 0, waiting, error }
}

/**
 * Merges a page of pulled changes with what waits in sync_inbox, places every staged entity
 * it can, parents first, each in its own savepoint, and leaves in sync_inbox exactly what
 * still waits.
 */
export function applyPulled(s: Session, keys: CodecKeys, changes: readonly Change[], logger: Logger): Placed {
  const result: Placed = { applied: 0, touched: new Map(), newCollections: [] }
  const { staged, stored } = stage(s, changes)
  // each in the collection its staged fields name, fixed before placing takes fields away;
  // parents before children; what a local rule refuses now (a unique slot a later field
  // frees, a parent placed later) is retried in the next pass while passes make progress
  let pending: (StagedEntity & { collectionId: string; error?: string })[] = [...staged.values()]
    .map((e) => ({ ...e, collectionId: collectionOf(e) }))
    .sort((a, b) => a.t.rank - b.t.rank)
  for (let pass = 0; pass < TABLES.length + 2 && pending.length > 0; pass++) {
    const left: typeof pending = []
    let progress = false
    for (const e of pending) {
      const r = placeOne(s, keys, e.t, e.id, e.collectionId, e.fields)
      for (const field of [...e.fields.keys()]) if (!r.waiting.includes(field)) e.fields.delete(field)
      if (r.created && e.t.entity === 'collections') result.newCollections.push(e.id)
      if (r.applied > 0) {
        progress = true
        result.applied += r.applied
        let ids = result.touched.get(e.t.entity)
        if (!ids) result.touched.set(e.t.entity, (ids = new Set()))
        ids.add(e.id)
      }
      if (r.waiting.length > 0) {
        e.error = r.error
        left.push(e)
      }
    }
    pending = left
    if (!progress) break
  }
  // sync_inbox becomes what waits (only written when it held something or something waits)
  if (stored > 0 || pending.length > 0) {
    prepared(s.db, 'DELETE FROM sync_inbox').run()
    const put = prepared(s.db, 'INSERT INTO sync_inbox (entity, entity_id, field, collection_id, value, hlc) VALUES (?, ?, ?, ?, ?, ?)')
    for (const e of pending) for (const [field, f] of e.fields) put.run(e.t.entity, e.id, field, f.collectionId, JSON.stringify(f.value), f.hlc)
  }
  // never the values: the entity, its id and the local rule's message
  for (const e of pending) logger.warn({ entity: e.t.entity, id: e.id, error: e.error }, 'a pulled change waits until its row can be placed')
  return result
}

/** Staged entities of a scope that are still waiting (shown in the preview and counted). */
export function stagedCount(s: Session): number {
  return (prepared(s.db, 'SELECT COUNT(DISTINCT entity || entity_id) AS n FROM sync_inbox').get() as { n: number }).n
}
