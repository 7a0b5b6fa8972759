/**
 * Background sync (DESIGN §6 offline queue): runs a sync every `intervalMs` while started;
 * after a failed attempt it waits twice as long each time, up to `maxBackoffMs`, and goes back
 * to the interval after a success. One timer at a time, unref'd, cleared by stop() (lock,
 * close, disconnect), so nothing keeps a process alive or leaks between tests.
 */
export class SyncScheduler {
  private timer: NodeJS.Timeout | undefined
  private failures = 0
  private started = false

  constructor(
    /** One attempt; resolves true when it reached the server and finished. */
    private readonly attempt: () => Promise<boolean>,
    private readonly options: { intervalMs: number; maxBackoffMs: number },
  ) {}

  get active(): boolean {
    return this.started
  }

  /** The wait before the next attempt. */
  get delayMs(): number {
    const { intervalMs, maxBackoffMs } = this.options
    return Math.min(maxBackoffMs, intervalMs * 2 ** Math.min(this.failures, 20))
  }

  start(): void {
    if (this.options.intervalMs <= 0 || this.started) return
    this.started = true
    this.arm()
  }

  stop(): void {
    this.started = false
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    if (!this.started) return
    this.timer = setTimeout(() => void this.tick(), this.delayMs)
    this.timer.unref()
  }

  private async tick(): Promise<void> {
    this.timer = undefined
    let ok: boolean
    try {
      ok = await this.attempt()
    } catch {
      ok = false
    }
    this.failures = ok ? 0 : this.failures + 1
    this.arm()
  }
}
