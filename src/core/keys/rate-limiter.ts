/**
 * Per-key sliding-window limiter (the two-window approximation): the previous minute's count
 * is weighted by how much of it still lies inside the last 60 s. O(1) memory per key, no
 * timers, no SQL. State is per process; a remote instance behind a load balancer keeps its
 * own (DESIGN §6).
 */
const WINDOW_MS = 60_000

interface Window {
  start: number
  count: number
  previous: number
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>()

  /** Counts one request; returns 0 when allowed, otherwise ms until there is room again. */
  take(id: string, limitPerMinute: number, nowMs: number): number {
    const start = nowMs - (nowMs % WINDOW_MS)
    let w = this.windows.get(id)
    if (!w) {
      w = { start, count: 0, previous: 0 }
      this.windows.set(id, w)
    } else if (w.start !== start) {
      w.previous = start - w.start === WINDOW_MS ? w.count : 0
      w.start = start
      w.count = 0
    }
    const elapsed = nowMs - start
    const estimate = w.previous * ((WINDOW_MS - elapsed) / WINDOW_MS) + w.count
    // the epsilon keeps float rounding from refusing the very moment retryAfterMs promised
    if (estimate + 1 > limitPerMinute + 1e-9) return retryAfter(w, limitPerMinute, elapsed)
    w.count += 1
    return 0
  }

  forget(id: string): void {
    this.windows.delete(id)
  }
}

/** Milliseconds until the estimate leaves room for one more request (no other requests meanwhile). */
function retryAfter(w: Window, limit: number, elapsed: number): number {
  // later in this window, as the previous window's weight decays
  if (w.count + 1 <= limit && w.previous > 0) {
    const at = Math.ceil(WINDOW_MS * (1 - (limit - 1 - w.count) / w.previous) - 1e-6)
    if (at < WINDOW_MS) return Math.max(1, at - elapsed)
  }
  // in the next window, where this window's count becomes the weighing previous one
  const next = w.count > limit - 1 ? Math.ceil(WINDOW_MS * (1 - (limit - 1) / w.count) - 1e-6) : 0
  return WINDOW_MS - elapsed + next
}
