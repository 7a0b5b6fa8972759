import type { SyncEntity, SyncOp, SyncValue } from '../../shared/sync'
import type { Session } from '../session'
import { prepared } from '../store/statements'
import { toWire, type CodecKeys } from './codec'
import { requeueSql, tableOf } from './tables'

interface OutboxRow {
  seq: number
  entity: SyncEntity
  entity_id: string
  field: string
  collection_id: string
  op_id: string
  hlc: string
}

/**
 * The next batch of queued field changes of `scopes`, oldest first, with each value read
 * now. It writes nothing: a retry of an op id reads the same value (a changed field has a
 * new op id) and seals it with the same nonce (sync-key.ts opNonce), so the body is the same.
 * Rows whose entity is gone are skipped (and forgotten by the next acknowledge).
 */
export function nextBatch(
  s: Session,
  keys: CodecKeys,
  scopes: readonly string[],
  limit: number,
  afterSeq = 0,
): { ops: SyncOp[]; lastSeq: number; gone: { opId: string; collectionId: string }[] } {
  const marks = scopes.map(() => '?').join(', ')
  const rows = prepared(s.db, `SELECT seq, entity, entity_id, field, collection_id, op_id, hlc FROM sync_outbox WHERE collection_id IN (${marks}) AND seq > ? ORDER BY seq LIMIT ?`).all(
    ...scopes,
    afterSeq,
    limit,
  ) as OutboxRow[]
  const ops: SyncOp[] = []
  const gone: { opId: string; collectionId: string }[] = []
  // A row's queued fields are neighbours in the outbox (its triggers queue them together), so
  // the row is read once for them all; nothing writes between these reads.
  let lastRow: { table: string; id: string; values: Record<string, Buffer | string | number | null> | undefined } | undefined
  for (const r of rows) {
    const t = tableOf(r.entity)
    const f = t.fields.find((x) => x.field === r.field)
    if (f && (lastRow?.table !== t.table || lastRow.id !== r.entity_id)) {
      lastRow = { table: t.table, id: r.entity_id, values: prepared(s.db, `SELECT * FROM ${t.table} WHERE id = ?`).get(r.entity_id) as Record<string, Buffer | string | number | null> | undefined }
    }
    const local = f && lastRow?.values
    if (!f || !local) {
      gone.push({ opId: r.op_id, collectionId: r.collection_id })
      continue
    }
    if (!(f.column in local)) throw new Error(`${t.table} has no column ${f.column} (sync table definitions out of step with the schema)`)
    const value: SyncValue = toWire(keys, t, f, r.entity_id, local[f.column] as Buffer | string | number | null, r.op_id)
    ops.push({ opId: r.op_id, entity: r.entity, entityId: r.entity_id, collectionId: r.collection_id, field: r.field, value, hlc: r.hlc })
  }
  return { ops, lastSeq: rows.length ? rows[rows.length - 1]!.seq : afterSeq, gone }
}

/** Forgets the ops the server answered, by op id only: a field re-dirtied meanwhile has a new op id and stays queued. */
export function acknowledge(s: Session, opIds: readonly string[]): void {
  const del = prepared(s.db, 'DELETE FROM sync_outbox WHERE op_id = ?')
  s.db.transaction(() => {
    for (const id of opIds) del.run(id)
  })()
}

export function pendingByScope(s: Session): Map<string, number> {
  const rows = prepared(s.db, 'SELECT collection_id, COUNT(*) AS n FROM sync_outbox GROUP BY collection_id').all() as { collection_id: string; n: number }[]
  return new Map(rows.map((r) => [r.collection_id, r.n]))
}

export interface QueuedItem {
  entity: SyncEntity
  entityId: string
  fields: string[]
}

/** Queued changes of one scope grouped by entity, for the preview. */
export function queuedItems(s: Session, scope: string): QueuedItem[] {
  const rows = prepared(s.db, 'SELECT entity, entity_id, field FROM sync_outbox WHERE collection_id = ? ORDER BY seq').all(scope) as Pick<OutboxRow, 'entity' | 'entity_id' | 'field'>[]
  const items = new Map<string, QueuedItem>()
  for (const r of rows) {
    const k = `${r.entity}:${r.entity_id}`
    let item = items.get(k)
    if (!item) items.set(k, (item = { entity: r.entity, entityId: r.entity_id, fields: [] }))
    item.fields.push(r.field)
  }
  return [...items.values()]
}

/**
 * Queues every synced row again (fresh op ids, each field with its own stamp), for a desktop
 * that starts syncing with a server that may not hold its data: what the server already
 * has comes back `stale` and changes nothing.
 */
export function requeueAll(s: Session): void {
  s.db.exec(requeueSql())
}
