import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../../../src/core/keys/rate-limiter'

const MINUTE = 60_000

describe('per-key sliding-window rate limiter', () => {
  it('allows the limit within a minute, weighs the previous minute, and forgets old ones', () => {
    const rl = new RateLimiter()
    const take = (t: number) => rl.take('k', 3, t)
    expect([take(0), take(1), take(2)]).toEqual([0, 0, 0])
    expect(take(3)).toBeGreaterThan(0)
    // a new minute starts with the whole previous minute still weighing on it
    expect(take(MINUTE)).toBe(20_000)
    expect(take(MINUTE + 20_000)).toBe(0)
    // two idle minutes later nothing weighs any more
    expect([take(4 * MINUTE), take(4 * MINUTE + 1), take(4 * MINUTE + 2)]).toEqual([0, 0, 0])
    // keys are counted apart
    expect(rl.take('other', 3, 4 * MINUTE + 3)).toBe(0)
  })

  it('never allows more than the limit in one calendar minute, nor 2× the limit in any 60 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), (limit, gaps) => {
        const rl = new RateLimiter()
        let t = 0
        const allowed: number[] = []
        for (const gap of gaps) {
          t += gap
          if (rl.take('k', limit, t) === 0) allowed.push(t)
        }
        const perMinute = new Map<number, number>()
        for (const a of allowed) perMinute.set(Math.floor(a / MINUTE), (perMinute.get(Math.floor(a / MINUTE)) ?? 0) + 1)
        for (const n of perMinute.values()) expect(n).toBeLessThanOrEqual(limit)
        for (let i = 0, j = 0; i < allowed.length; i++) {
          while (allowed[i]! - allowed[j]! >= MINUTE) j++
          expect(i - j + 1).toBeLessThanOrEqual(2 * limit)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('says when there is room again: a request after retryAfterMs is allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }), (limit, gaps) => {
        const rl = new RateLimiter()
        let t = 0
        for (const gap of gaps) {
          t += gap
          const wait = rl.take('k', limit, t)
          if (wait > 0) {
            expect(rl.take('k', limit, t + wait)).toBe(0)
            t += wait
          }
        }
      }),
      { numRuns: 500 },
    )
  })
})
