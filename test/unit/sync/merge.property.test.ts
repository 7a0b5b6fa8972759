import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKey, keyDigest } from '../../../src/core/keys/generate-key'
import { VerifyIndex } from '../../../src/core/keys/verify-index'
import { formatStamp } from '../../../src/core/store/hlc'
import { mergeField, type Stamped } from '../../../src/core/sync/merge'

/**
 * Replicas exchange field operations in random order, with duplicates, and must converge to
 * the same state; a key revoked anywhere never verifies again anywhere, at any point.
 */
const KEYS = ['k0', 'k1', 'k2']
const PLAINTEXT = Object.fromEntries(KEYS.map((k) => [k, generateKey('erp_live')]))
const noUsage = { pending: () => undefined }

interface Op {
  entity: string
  field: string
  value: unknown
  hlc: string
}
type Replica = Map<string, Stamped>

const apply = (r: Replica, op: Op) => {
  const id = `${op.entity}/${op.field}`
  const { next, changed } = mergeField(op.field, r.get(id), { value: op.value, hlc: op.hlc })
  if (changed) r.set(id, next)
}

const action = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), key: fc.constantFrom(...KEYS), field: fc.constantFrom('name', 'permissions', 'allowed_ips'), value: fc.string({ maxLength: 3 }) }),
  fc.record({ kind: fc.constant('status' as const), key: fc.constantFrom(...KEYS), value: fc.constantFrom('active', 'inactive') }),
  fc.record({ kind: fc.constant('revoke' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ kind: fc.constant('rotate' as const), key: fc.constantFrom(...KEYS), graceMs: fc.integer({ min: -1000, max: 1000 }) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
)
// who acts, after how much clock skew, and which pending deliveries happen in between
const step = fc.record({ replica: fc.nat(2), skew: fc.integer({ min: -5, max: 20 }), action, deliver: fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.boolean()), { maxLength: 4 }) })

function opsFor(a: fc.Arbitrary<never> | { kind: string; key: string; field?: string; value?: unknown; graceMs?: number }, hlc: () => string, nowMs: number): Op[] {
  const s = a as { kind: string; key: string; field?: string; value?: unknown; graceMs?: number }
  switch (s.kind) {
    case 'edit':
      return [{ entity: s.key, field: s.field!, value: s.value, hlc: hlc() }]
    case 'status':
      return [{ entity: s.key, field: 'status', value: s.value, hlc: hlc() }]
    case 'revoke':
      return [
        { entity: s.key, field: 'status', value: 'revoked', hlc: hlc() },
        { entity: s.key, field: 'revoked_at', value: new Date(nowMs).toISOString(), hlc: hlc() },
      ]
    case 'rotate':
      return [{ entity: s.key, field: 'grace_until', value: new Date(nowMs + s.graceMs!).toISOString(), hlc: hlc() }]
    default:
      return [{ entity: s.key, field: 'deleted_at', value: new Date(nowMs).toISOString(), hlc: hlc() }]
  }
}

function index(r: Replica, nowMs: number): VerifyIndex {
  const v = new VerifyIndex(() => nowMs, noUsage)
  v.setLicence('L', true)
  for (const k of KEYS) {
    const f = (name: string) => r.get(`${k}/${name}`)?.value
    if (f('deleted_at') != null) continue
    const status = (f('status') as 'active' | 'inactive' | 'revoked' | undefined) ?? 'active'
    v.upsert({ id: k, digest: keyDigest(PLAINTEXT[k]!), collectionId: 'C', licenceId: 'L', applicationKind: 'erp', status, expiresAt: null, graceUntil: (f('grace_until') as string | undefined) ?? null, allowedIps: [], permissions: [], rateLimitPerMinute: null })
  }
  return v
}

describe('sync merge', () => {
  it('converges on 2–3 replicas over ≥ 1 000 random interleavings, and a revoked key never verifies again', () => {
    let runs = 0
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.array(step, { minLength: 1, maxLength: 40 }), (n, steps) => {
        runs++
        const replicas: Replica[] = Array.from({ length: n }, () => new Map())
        const clocks = Array.from({ length: n }, () => ({ wall: 1_700_000_000_000, counter: 0 }))
        const log: Op[] = []
        const pending: { to: number; op: Op }[] = []
        const revokedSeen: Set<string>[] = Array.from({ length: n }, () => new Set())
        const nowMs = 1_700_000_000_500
        const check = (i: number) => {
          const r = replicas[i]!
          for (const k of KEYS) if (r.get(`${k}/status`)?.value === 'revoked') revokedSeen[i]!.add(k)
          const v = index(r, nowMs)
          for (const k of revokedSeen[i]!) expect(['REVOKED', 'NOT_FOUND']).toContain(v.verify(PLAINTEXT[k]!).code)
        }
        for (const s of steps) {
          const i = s.replica % n
          const clock = clocks[i]!
          clock.wall += Math.max(0, s.skew)
          const hlc = () => formatStamp(clock.wall, clock.counter++, `${i}`)
          for (const op of opsFor(s.action as never, hlc, nowMs)) {
            apply(replicas[i]!, op)
            log.push(op)
            for (let j = 0; j < n; j++) if (j !== i) pending.push({ to: j, op })
          }
          for (const [pick, , duplicate] of s.deliver) {
            if (pending.length === 0) break
            const at = pick % pending.length
            const d = pending[at]!
            apply(replicas[d.to]!, d.op)
            if (!duplicate) pending.splice(at, 1)
          }
          for (let j = 0; j < n; j++) check(j)
        }
        // everything eventually arrives (in reverse, and twice)
        for (const d of pending.reverse()) apply(replicas[d.to]!, d.op)
        for (const r of replicas) for (const op of log) apply(r, op)
        const states = replicas.map((r) => JSON.stringify([...r.entries()].sort(([a], [b]) => (a < b ? -1 : 1))))
        for (const s of states) expect(s).toBe(states[0])
        for (let j = 0; j < n; j++) check(j)
        for (const op of log) if (op.field === 'status' && op.value === 'revoked') expect(replicas[0]!.get(`${op.entity}/status`)!.value).toBe('revoked')
      }),
      { numRuns: 1000 },
    )
    expect(runs).toBeGreaterThanOrEqual(1000)
  })

  it('is commutative, associative and idempotent per field', () => {
    const stamped = fc.record({ value: fc.oneof(fc.constantFrom('active', 'inactive', 'revoked', null), fc.string({ maxLength: 2 })), hlc: fc.string({ minLength: 1, maxLength: 3 }) })
    fc.assert(
      fc.property(fc.constantFrom('status', 'deleted_at', 'name'), stamped, stamped, stamped, (field, a, b, c) => {
        const m = (x: Stamped | undefined, y: Stamped) => mergeField(field, x, y).next
        expect(m(m(undefined, a), b)).toEqual(m(m(undefined, b), a))
        expect(m(m(m(undefined, a), b), c)).toEqual(m(m(m(undefined, c), a), b))
        expect(m(m(undefined, a), a)).toEqual(m(undefined, a))
      }),
      { numRuns: 2000 },
    )
  })
})
