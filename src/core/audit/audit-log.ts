import { hash } from 'node:crypto'
import type { Session } from '../session'
import { prepared } from '../store/statements'

/**
 * The append-only audit log. hash = SHA-256(prev_hash ‖ canonical JSON of the entry), the
 * first entry chaining from GENESIS. `details` must never contain secret values: callers
 * pass ids, names, fingerprints and field names only.
 */
export const GENESIS = '0'.repeat(64)

export interface AuditInput {
  actor: string
  action: string
  entity: string
  entityId?: string | null
  details?: Record<string, unknown>
}

export interface AuditEntry {
  seq: number
  at: string
  actor: string
  action: string
  entity: string
  entityId: string | null
  details: Record<string, unknown>
  prevHash: string
  hash: string
}

/** JSON with object keys sorted at every depth, so the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function entryHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  return hashBody(prevHash, entry, canonicalJson(entry.details))
}

type EntryFields = Pick<AuditEntry, 'seq' | 'at' | 'actor' | 'action' | 'entity' | 'entityId'>

/**
 * The canonical JSON of an entry, written out in sorted key order around details that are
 * already canonical JSON. It equals canonicalJson(entry) and lets verification hash the
 * stored details text as it is, without parsing it again (edited text is a mismatch anyway).
 */
function hashBody(prevHash: string, e: EntryFields, canonicalDetails: string): string {
  const body = `{"action":${JSON.stringify(e.action)},"actor":${JSON.stringify(e.actor)},"at":${JSON.stringify(e.at)},"details":${canonicalDetails},"entity":${JSON.stringify(e.entity)},"entityId":${JSON.stringify(e.entityId)},"seq":${e.seq}}`
  // one-shot over prev ‖ body: the same digest as two updates, without a Hash object per entry
  return hash('sha256', prevHash + body, 'hex')
}

export interface ChainTail {
  seq: number
  hash: string
}

/** The next entry after `last` (undefined → the first), with its link and hash. */
export function nextAuditEntry(last: ChainTail | undefined, input: AuditInput, at: Date): AuditEntry {
  const entry = {
    seq: (last?.seq ?? 0) + 1,
    at: at.toISOString(),
    actor: input.actor,
    action: input.action,
    entity: input.entity,
    entityId: input.entityId ?? null,
    details: input.details ?? {},
  }
  const prevHash = last?.hash ?? GENESIS
  return { ...entry, prevHash, hash: entryHash(prevHash, entry) }
}

/**
 * Appends one entry. Call it inside the same transaction as the change it records, so the
 * change and its audit entry commit together or not at all.
 */
export function appendAudit(s: Session, input: AuditInput): AuditEntry {
  const last = prepared(s.db, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as ChainTail | undefined
  const e = nextAuditEntry(last, input, s.now())
  prepared(s.db, 'INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(e.seq, e.at, e.actor, e.action, e.entity, e.entityId, canonicalJson(e.details), e.prevHash, e.hash)
  // Open audit views refresh themselves (a rolled-back change just causes one extra reload).
  s.emit('data.changed', { domain: 'audit' })
  return e
}

export type ChainStatus =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBrokenSeq: number; reason: string }

/** A stored row of an audit table (the desktop's audit_log and the server's server_audit). */
export interface AuditRow {
  seq: number
  at: string
  actor: string
  action: string
  entity: string
  entity_id: string | null
  details: string
  prev_hash: string
  hash: string
}

/**
 * Checks rows one at a time in seq order, so a caller can stream them from any database
 * (synchronously from SQLite, in pages from PostgreSQL). `check` returns the first break.
 */
export function createChainChecker() {
  let prevHash = GENESIS
  let expectedSeq = 1
  let count = 0
  return {
    check(row: AuditRow): ChainStatus | undefined {
      count += 1
      const seq = Number(row.seq)
      if (seq !== expectedSeq) {
        return { ok: false, entries: count, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing (next entry is ${seq})` }
      }
      if (row.prev_hash !== prevHash) {
        return { ok: false, entries: count, firstBrokenSeq: seq, reason: `entry ${seq} does not follow entry ${seq - 1} (previous hash differs)` }
      }
      const hash = hashBody(prevHash, { seq, at: row.at, actor: row.actor, action: row.action, entity: row.entity, entityId: row.entity_id }, row.details)
      if (hash !== row.hash) {
        return { ok: false, entries: count, firstBrokenSeq: seq, reason: `entry ${seq} was changed after it was written (hash mismatch)` }
      }
      prevHash = row.hash
      expectedSeq += 1
      return undefined
    },
    done(): ChainStatus {
      return { ok: true, entries: count, lastHash: prevHash }
    },
  }
}

/** Walks the chain and names the first broken link (edited, deleted, inserted or reordered). */
export function verifyAuditChain(s: Pick<Session, 'db'>): ChainStatus {
  const checker = createChainChecker()
  // raw rows: building one object per row ourselves is cheaper than better-sqlite3's row objects
  const rows = s.db.prepare('SELECT seq, at, actor, action, entity, entity_id, details, prev_hash, hash FROM audit_log ORDER BY seq').raw(true).iterate() as IterableIterator<unknown[]>
  for (const r of rows) {
    const broken = checker.check({
      seq: r[0] as number,
      at: r[1] as string,
      actor: r[2] as string,
      action: r[3] as string,
      entity: r[4] as string,
      entity_id: r[5] as string | null,
      details: r[6] as string,
      prev_hash: r[7] as string,
      hash: r[8] as string,
    })
    if (broken) return broken
  }
  return checker.done()
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    action: row.action,
    entity: row.entity,
    entityId: row.entity_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}
