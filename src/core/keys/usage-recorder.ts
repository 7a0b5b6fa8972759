import type { Db } from '../store/database'

/**
 * Last-used time and use count of keys, gathered in memory on the verify hot path and written
 * in one transaction per batch (on a timer, and when the vault locks or closes), so a
 * verification never waits for SQLite.
 */
export class UsageRecorder {
  private pending = new Map<string, { count: number; lastMs: number }>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Db,
    private readonly intervalMs = 5_000,
  ) {}

  record(id: string, nowMs: number): void {
    const p = this.pending.get(id)
    if (p) {
      p.count += 1
      if (nowMs > p.lastMs) p.lastMs = nowMs
    } else {
      this.pending.set(id, { count: 1, lastMs: nowMs })
      if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.intervalMs)
        // never keeps a CLI or test process alive
        this.timer.unref()
      }
    }
  }

  /** Not yet written usage of one key, so reads can show fresh numbers. */
  pendingFor(id: string): { count: number; lastMs: number } | undefined {
    return this.pending.get(id)
  }

  flush(): number {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.size === 0 || !this.db.open) return 0
    const batch = this.pending
    this.pending = new Map()
    const update = this.db.prepare(
      `UPDATE api_keys SET use_count = use_count + @count,
         last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < @last THEN @last ELSE last_used_at END
       WHERE id = @id`,
    )
    this.db.transaction(() => {
      for (const [id, p] of batch) update.run({ id, count: p.count, last: new Date(p.lastMs).toISOString() })
    })()
    return batch.size
  }

  close(): void {
    this.flush()
  }
}
