import type { Session } from '../session'
import { prepared } from '../store/statements'

/**
 * Exponential back-off on failed token requests, per login subject (DESIGN: "attempts
 * rate-limited"). The first FREE_FAILURES mistakes cost nothing; after that each further
 * failure doubles the wait, from 2 s up to 15 min. A success (or a password reset by the
 * admin) clears the record. Kept in the store so a restart does not reset it.
 */
export const FREE_FAILURES = 3
export const MAX_BLOCK_MS = 15 * 60_000

interface ThrottleRow {
  failures: number
  blocked_until: string | null
}

export function blockDurationMs(failures: number): number {
  if (failures <= FREE_FAILURES) return 0
  return Math.min(MAX_BLOCK_MS, 1000 * 2 ** Math.min(failures - FREE_FAILURES, 20))
}

/** ms until `subject` may try again; 0 when it may try now. */
export function retryAfterMs(s: Session, subject: string): number {
  const row = prepared(s.db, 'SELECT failures, blocked_until FROM token_login_throttle WHERE subject = ?').get(subject) as ThrottleRow | undefined
  if (!row?.blocked_until) return 0
  return Math.max(0, Date.parse(row.blocked_until) - s.now().getTime())
}

/** Counts one failure; returns the failure count. Inside the caller's transaction. */
export function recordFailure(s: Session, subject: string): number {
  const now = s.now()
  const row = prepared(s.db, 'SELECT failures FROM token_login_throttle WHERE subject = ?').get(subject) as { failures: number } | undefined
  const failures = (row?.failures ?? 0) + 1
  const block = blockDurationMs(failures)
  prepared(s.db, 
      `INSERT INTO token_login_throttle (subject, failures, last_failure_at, blocked_until) VALUES (@subject, @failures, @now, @until)
       ON CONFLICT (subject) DO UPDATE SET failures = @failures, last_failure_at = @now, blocked_until = @until`,
    )
    .run({ subject, failures, now: now.toISOString(), until: block > 0 ? new Date(now.getTime() + block).toISOString() : null })
  return failures
}

export function clearFailures(s: Session, subject: string): void {
  prepared(s.db, 'DELETE FROM token_login_throttle WHERE subject = ?').run(subject)
}
