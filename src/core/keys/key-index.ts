import type { Db } from '../store/database'
import { prepared } from '../store/statements'
import { UsageRecorder } from './usage-recorder'
import { VerifyIndex, type CompactKey } from './verify-index'

/**
 * The in-memory verification index (DESIGN §2): digest → compact key record, built when the
 * vault opens and refreshed from the store after every committed change to a key or a
 * licence. Verification is then SHA-256 + one table lookup + a constant-time digest compare,
 * with no SQL on the hot path.
 */
interface KeyRow {
  id: string
  digest: Buffer
  collection_id: string
  licence_id: string
  application_id: string
  status: 'active' | 'inactive' | 'revoked'
  expires_at: string | null
  grace_until: string | null
  allowed_ips: string
  permissions: string
  rate_limit_per_minute: number | null
  deleted_at: string | null
}

const KEY_COLUMNS = 'id, digest, collection_id, licence_id, application_id, status, expires_at, grace_until, allowed_ips, permissions, rate_limit_per_minute, deleted_at'

const compact = (row: KeyRow): CompactKey => ({
  id: row.id,
  digest: row.digest,
  collectionId: row.collection_id,
  licenceId: row.licence_id,
  applicationKind: row.application_id,
  status: row.status,
  expiresAt: row.expires_at,
  graceUntil: row.grace_until,
  allowedIps: JSON.parse(row.allowed_ips) as string[],
  permissions: JSON.parse(row.permissions) as string[],
  rateLimitPerMinute: row.rate_limit_per_minute,
})

/**
 * The desktop's verification index: the shared VerifyIndex filled from the vault when it
 * opens and refreshed from the store after every committed change to a key or a licence.
 */
export class KeyIndex extends VerifyIndex {
  readonly usage: UsageRecorder

  constructor(
    private readonly db: Db,
    nowMs: () => number,
    options: { usageFlushMs?: number; homeSlots?: number } = {},
  ) {
    const usage = new UsageRecorder(db, options.usageFlushMs)
    super(nowMs, usage, { homeSlots: options.homeSlots })
    this.usage = usage
  }

  /** Builds the whole index; called once when the vault opens. */
  load(): this {
    this.clear()
    for (const l of this.db.prepare('SELECT id, status, deleted_at FROM licences').iterate() as IterableIterator<{ id: string; status: string; deleted_at: string | null }>) {
      this.setLicence(l.id, l.status === 'active' && l.deleted_at === null)
    }
    for (const row of this.db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE deleted_at IS NULL`).iterate() as IterableIterator<KeyRow>) this.upsert(compact(row))
    return this
  }

  /** Re-reads these keys from the store (after a committed change). */
  refreshKeys(ids: Iterable<string>): void {
    const read = prepared(this.db, `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`)
    for (const id of ids) {
      const row = read.get(id) as KeyRow | undefined
      if (row && row.deleted_at === null) this.upsert(compact(row))
      else this.delete(id)
    }
  }

  /** Re-reads these licences from the store (after a committed change). */
  refreshLicences(ids: Iterable<string>): void {
    const read = prepared(this.db, 'SELECT status, deleted_at FROM licences WHERE id = ?')
    for (const id of ids) {
      const row = read.get(id) as { status: string; deleted_at: string | null } | undefined
      this.setLicence(id, !!row && row.status === 'active' && row.deleted_at === null)
    }
  }

  /** Writes pending usage and stops the timer (vault lock, close). */
  close(): void {
    this.usage.close()
  }
}
