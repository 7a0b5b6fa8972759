import type { Db } from '../store/database'
import { prepared } from '../store/statements'

/** Usage of one key not yet written to the store. Index entries hold theirs directly. */
export interface UsageCell {
  readonly id: string
  count: number
  lastMs: number
  dirty: boolean
}

/**
 * Last-used time and use count of keys, gathered in memory on the verify hot path and written
 * in one transaction per batch (on a timer, and when the vault locks or closes), so a
 * verification never waits for SQLite. Recording is two field writes and, the first time
 * after a flush, one array push: no lookup, no allocation.
 */
export class UsageRecorder {
  private readonly cells = new Map<string, UsageCell>()
  private dirty: UsageCell[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 5_000,
  ) {}

  /** The cell of a key, shared by every index entry the key has had (refreshes keep counts). */
  cellFor(id: string): UsageCell {
    let cell = this.cells.get(id)
    if (!cell) {
      cell = { id, count: 0, lastMs: 0, dirty: false }
      this.cells.set(id, cell)
    }
    return cell
  }

  record(cell: UsageCell, nowMs: number): void {
    cell.count += 1
    if (nowMs > cell.lastMs) cell.lastMs = nowMs
    if (!cell.dirty) {
      cell.dirty = true
      this.dirty.push(cell)
      if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.intervalMs)
        // never keeps a CLI or test process alive
        this.timer.unref()
      }
    }
  }

  /** Not yet written usage of one key, so reads can show fresh numbers. */
  pendingFor(id: string): { count: number; lastMs: number } | undefined {
    const cell = this.cells.get(id)
    return cell && cell.count > 0 ? { count: cell.count, lastMs: cell.lastMs } : undefined
  }

  /** Writes every pending cell in one transaction; returns how many keys were written. */
  flush(): number {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.dirty.length === 0 || !this.db.open) return 0
    const batch = this.dirty
    this.dirty = []
    const update = prepared(
      this.db,
      `UPDATE api_keys SET use_count = use_count + @count,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @last THEN @last ELSE last_used_at END
       WHERE id = @id`,
    )
    const written = batch.filter((c) => c.count > 0).length
    this.db.transaction(() => {
      for (const cell of batch) if (cell.count > 0) update.run({ id: cell.id, count: cell.count, last: new Date(cell.lastMs).toISOString() })
    })()
    for (const cell of batch) {
      cell.count = 0
      cell.dirty = false
    }
    return written
  }

  /** A deleted key's pending usage is dropped with it. */
  forget(id: string): void {
    const cell = this.cells.get(id)
    if (cell) cell.count = 0
    this.cells.delete(id)
  }

  close(): void {
    this.flush()
  }
}
