import { createHash } from 'node:crypto'
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

interface Row {
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
  const body = canonicalJson({ seq: entry.seq, at: entry.at, actor: entry.actor, action: entry.action, entity: entry.entity, entityId: entry.entityId, details: entry.details })
  return createHash('sha256').update(prevHash).update(body).digest('hex')
}

/**
 * Appends one entry. Call it inside the same transaction as the change it records, so the
 * change and its audit entry commit together or not at all.
 */
export function appendAudit(s: Session, input: AuditInput): AuditEntry {
  const last = prepared(s.db, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined
  const entry = {
    seq: (last?.seq ?? 0) + 1,
    at: s.now().toISOString(),
    actor: input.actor,
    action: input.action,
    entity: input.entity,
    entityId: input.entityId ?? null,
    details: input.details ?? {},
  }
  const prevHash = last?.hash ?? GENESIS
  const hash = entryHash(prevHash, entry)
  prepared(s.db, 'INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(entry.seq, entry.at, entry.actor, entry.action, entry.entity, entry.entityId, canonicalJson(entry.details), prevHash, hash)
  return { ...entry, prevHash, hash }
}

export type ChainStatus =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; firstBrokenSeq: number; reason: string }

/** Walks the chain and names the first broken link (edited, deleted, inserted or reordered). */
export function verifyAuditChain(s: Pick<Session, 'db'>): ChainStatus {
  let prevHash = GENESIS
  let expectedSeq = 1
  let count = 0
  for (const row of s.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<Row>) {
    count += 1
    if (row.seq !== expectedSeq) {
      return { ok: false, entries: count, firstBrokenSeq: expectedSeq, reason: `entry ${expectedSeq} is missing (next entry is ${row.seq})` }
    }
    if (row.prev_hash !== prevHash) {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} does not follow entry ${row.seq - 1} (previous hash differs)` }
    }
    let details: Record<string, unknown>
    try {
      details = JSON.parse(row.details) as Record<string, unknown>
    } catch {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} has unreadable details` }
    }
    const hash = entryHash(prevHash, { seq: row.seq, at: row.at, actor: row.actor, action: row.action, entity: row.entity, entityId: row.entity_id, details })
    if (hash !== row.hash) {
      return { ok: false, entries: count, firstBrokenSeq: row.seq, reason: `entry ${row.seq} was changed after it was written (hash mismatch)` }
    }
    prevHash = row.hash
    expectedSeq += 1
  }
  return { ok: true, entries: count, lastHash: prevHash }
}

export function toAuditEntry(row: Row): AuditEntry {
  return {
    seq: row.seq,
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
