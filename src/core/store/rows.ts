import { KeywardError, type ErrorCode } from '../../shared/errors'
import type { Session } from '../session'
import { prepared } from './statements'

/**
 * Reads one live (not tombstoned) row of a synced table, or throws the domain's NOT_FOUND
 * code. Table names come from code, never from input.
 */
export function requireLiveRow<T>(s: Session, table: string, id: string, notFound: ErrorCode, label: string): T {
  const row = prepared(s.db, `SELECT * FROM ${table} WHERE id = ? AND deleted_at IS NULL`).get(id) as T | undefined
  if (!row) throw new KeywardError(notFound, `No ${label} with id ${id} exists (it may have been deleted).`)
  return row
}

/** Stamps for an insert: created_at is wall time, updated_at the HLC stamp sync compares. */
export function insertStamps(s: Session): { createdAt: string; updatedAt: string } {
  return { createdAt: s.now().toISOString(), updatedAt: s.hlc.now() }
}

/** The same stamp/tombstone pair every delete in the domain writes. */
export function tombstone(s: Session, table: string, id: string, extra: Record<string, unknown> = {}): void {
  const sets = Object.keys(extra).map((c) => `, ${c} = @${c}`).join('')
  prepared(s.db, `UPDATE ${table} SET deleted_at = @deletedAt, updated_at = @updatedAt${sets} WHERE id = @id`).run({ ...extra, id, deletedAt: s.now().toISOString(), updatedAt: s.hlc.now() })
}
