import type { Db } from '../store/database'
import { prepared } from '../store/statements'
import type { UsageSink, UsageSource } from './verify-index'

/** Keys written per timer flush. */
const BATCH = 2_000

/**
 * Last-used time and use count of keys, gathered by the verification index on its hot path
 * (two writes in the key's table slot, no lookup, no allocation) and written here in one
 * transaction per batch (on a timer, and when the vault locks or closes), so a verification
 * never waits for SQLite.
 */
export class UsageRecorder implements UsageSink {
  private source: UsageSource | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 5_000,
  ) {}

  pending(source: UsageSource): void {
    this.source = source
    if (!this.timer) this.arm(this.intervalMs)
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      try {
        // timer flushes go in slices, so a burst of many distinct keys never stalls the
        // event loop (the UI, the HTTP bridge) for long; lock and close flush everything
        this.flush(BATCH)
      } catch {
        // the store was busy or closing: the usage went back to the index, and the next timer retries
        if (!this.timer && this.source?.hasPendingUsage) this.arm(this.intervalMs)
      }
    }, ms)
    // never keeps a CLI or test process alive
    this.timer.unref()
  }

  /** Writes the pending usage of up to `limit` keys in one transaction; returns how many keys were written. */
  flush(limit = Number.POSITIVE_INFINITY): number {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.source || !this.db.open) return 0
    const batch = this.source.takeUsage(limit)
    if (batch.length === 0) return 0
    const update = prepared(
      this.db,
      `UPDATE api_keys SET use_count = use_count + @count,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @last THEN @last ELSE last_used_at END
       WHERE id = @id`,
    )
    try {
      this.db.transaction(() => {
        for (const u of batch) update.run({ id: u.id, count: u.count, last: new Date(u.lastMs).toISOString() })
      })()
    } catch (error) {
      this.source.returnUsage(batch)
      throw error
    }
    if (this.source.hasPendingUsage && !this.timer) this.arm(0)
    return batch.length
  }

  close(): void {
    this.flush()
  }
}
