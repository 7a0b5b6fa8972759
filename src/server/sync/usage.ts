import { setImmediate as nextTurn } from 'node:timers/promises'
import type { Logger } from '../../core/logger'
import type { UsageSink, UsageSource } from '../../core/keys/verify-index'
import type { SqlDriver } from '../store/sql-driver'

/**
 * Usage of keys verified through the gateway API: counted in the index's table during
 * verification (two writes in the key's slot), written to `key_usage` in one transaction per batch on a
 * timer, so a verification never waits for the database. A failed write keeps the counts for
 * the next attempt.
 */
/** 300 rows × 3 parameters: under every SQLite and PostgreSQL limit. */
const ROWS_PER_STATEMENT = 300

export class ServerUsage implements UsageSink {
  private source: UsageSource | undefined
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<number> | undefined
  private closed = false

  constructor(
    private readonly driver: SqlDriver,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  pending(source: UsageSource): void {
    this.source = source
    if (this.timer || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush().catch((error: unknown) => this.logger.warn({ error: String(error) }, 'writing key usage failed; will retry'))
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Writes every pending count in one transaction of multi-row upserts; returns how many keys were written. */
  async flush(): Promise<number> {
    if (this.flushing) await this.flushing.catch(() => undefined)
    const taken = this.source?.takeUsage() ?? []
    if (taken.length === 0) return 0
    // one row per key id (a statement may not upsert the same row twice on PostgreSQL)
    const byId = new Map<string, { count: number; lastMs: number }>()
    for (const t of taken) {
      const row = byId.get(t.id)
      if (row) {
        row.count += t.count
        row.lastMs = Math.max(row.lastMs, t.lastMs)
      } else byId.set(t.id, { count: t.count, lastMs: t.lastMs })
    }
    const rows = [...byId]
    this.flushing = this.driver.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        // between statements the event loop runs: gateway requests never wait for a whole flush
        if (i > 0) await nextTurn()
        const chunk = rows.slice(i, i + ROWS_PER_STATEMENT)
        await tx.run(
          `INSERT INTO key_usage (key_id, use_count, last_used_at) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}
           ON CONFLICT (key_id) DO UPDATE SET use_count = key_usage.use_count + excluded.use_count,
             last_used_at = CASE WHEN key_usage.last_used_at < excluded.last_used_at THEN excluded.last_used_at ELSE key_usage.last_used_at END`,
          chunk.flatMap(([id, r]) => [id, r.count, new Date(r.lastMs).toISOString()]),
        )
      }
      return byId.size
    })
    try {
      return await this.flushing
    } catch (error) {
      // put the counts back for the next flush (which this arms)
      this.source?.returnUsage(taken)
      throw error
    } finally {
      this.flushing = undefined
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.flush().catch((error: unknown) => this.logger.warn({ error: String(error) }, 'writing key usage at close failed'))
  }
}
