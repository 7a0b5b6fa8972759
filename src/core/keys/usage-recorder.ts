import type { Db } from '../store/database'
import { prepared } from '../store/statements'

/** Usage of one key not yet written to the store. The index entries are the cells. */
export interface UsageCell {
  readonly id: string
  /** uses since the last flush */
  count: number
  lastMs: number
  /** queued for the next flush */
  dirty: boolean
}

/**
 * Last-used time and use count of keys, gathered in memory on the verify hot path and written
 * in one transaction per batch (on a timer, and when the vault locks or closes), so a
 * verification never waits for SQLite. Recording is two field writes on the key's own index
 * entry and, the first time after a flush, one array push: no lookup, no allocation.
 */
/** Keys written per timer flush. */
const BATCH = 2_000

/**
 * Moves a replaced entry's pending usage to its successor and queues the successor; shared by
 * the desktop's recorder and the server's.
 */
export function transferUsage(from: UsageCell, to: UsageCell, queue: UsageCell[]): void {
  if (from.count === 0) return
  to.count += from.count
  if (from.lastMs > to.lastMs) to.lastMs = from.lastMs
  from.count = 0
  if (!to.dirty) {
    to.dirty = true
    queue.push(to)
  }
}

export class UsageRecorder {
  private dirty: UsageCell[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 5_000,
  ) {}

  record(cell: UsageCell, nowMs: number): void {
    cell.count += 1
    if (nowMs > cell.lastMs) cell.lastMs = nowMs
    if (!cell.dirty) {
      cell.dirty = true
      this.dirty.push(cell)
      if (!this.timer) this.arm(this.intervalMs)
    }
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      try {
        // timer flushes go in slices, so a burst of many distinct keys never stalls the
        // event loop (the UI, the HTTP bridge) for long; lock and close flush everything
        this.flush(BATCH)
      } catch {
        // the store was busy or closing: the cells stay queued and the next timer retries
        if (!this.timer && this.dirty.length > 0) this.arm(this.intervalMs)
      }
    }, ms)
    // never keeps a CLI or test process alive
    this.timer.unref()
  }

  /** A key's entry was replaced (refresh): its pending usage moves to the new entry. */
  transfer(from: UsageCell, to: UsageCell): void {
    transferUsage(from, to, this.dirty)
  }

  /** Writes up to `limit` pending cells in one transaction; returns how many keys were written. */
  flush(limit = Number.POSITIVE_INFINITY): number {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.dirty.length === 0 || !this.db.open) return 0
    const batch = limit >= this.dirty.length ? this.dirty : this.dirty.slice(0, limit)
    this.dirty = batch === this.dirty ? [] : this.dirty.slice(limit)
    const update = prepared(
      this.db,
      `UPDATE api_keys SET use_count = use_count + @count,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @last THEN @last ELSE last_used_at END
       WHERE id = @id`,
    )
    const written = batch.filter((c) => c.count > 0).length
    try {
      this.db.transaction(() => {
        for (const cell of batch) if (cell.count > 0) update.run({ id: cell.id, count: cell.count, last: new Date(cell.lastMs).toISOString() })
      })()
    } catch (error) {
      this.dirty = batch.concat(this.dirty)
      throw error
    }
    for (const cell of batch) {
      cell.count = 0
      cell.dirty = false
    }
    if (this.dirty.length > 0 && !this.timer) this.arm(0)
    return written
  }

  close(): void {
    this.flush()
  }
}
