import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { isPlainSyncPullResult, isPlainSyncPushBody, SyncPullResult, SyncPushBody } from '../../../src/shared/server-api'
import { Change, isPlainChange, isPlainSyncOp, SYNC_ENTITIES, SyncOp, syncEntityNames } from '../../../src/shared/sync'

/**
 * The server checks pushed operations, and the desktop pulled changes, with a hand-written
 * guard before it would ask zod: a guard must say yes exactly where the schema accepts, and then
 * the schema's output must equal the input (the caller goes on with the input). Random operations, most of them one mutation away
 * from valid, so every rule is exercised on both sides of its edge.
 */
const allFields = [...new Set(syncEntityNames.flatMap((e) => SYNC_ENTITIES[e].fields as readonly string[]))]
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n })
const uuidOf = (version: string, variant: string) =>
  fc.tuple(hex(8), hex(4), hex(3), hex(3), hex(12)).map(([a, b, c, d, e]) => `${a}-${b}-${version}${c}-${variant}${d}-${e}`)

const uuid = fc.oneof(
  { weight: 8, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: uuidOf('7', '8').map((u) => u.toUpperCase()) },
  { weight: 1, arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF') },
  { weight: 1, arbitrary: fc.oneof(uuidOf('0', '8'), uuidOf('9', '8'), uuidOf('4', 'c'), uuidOf('4', '7')) },
  { weight: 1, arbitrary: fc.oneof(fc.uuid().map((u) => u.slice(1)), fc.uuid().map((u) => `${u}0`), fc.uuid().map((u) => ` ${u}`), fc.uuid().map((u) => u.replaceAll('-', ''))) },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) },
)

const stamp = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9_999_999_999_999 }), fc.integer({ min: 0, max: 99_999 }), fc.oneof(hex(16), fc.uuid())).map(([ms, n, node]) => `${String(ms).padStart(13, '0')}-${String(n).padStart(5, '0')}-${node}`) },
  { weight: 1, arbitrary: fc.constantFrom('1700000000000-00000-', '170000000000-00000-ab', '1700000000000-0000-ab', '1700000000000-00000-AB', `1700000000000-00000-${'a'.repeat(65)}`, `1700000000000-00000-${'a'.repeat(64)}`, '1700000000000-00000-ab\n') },
  { weight: 1, arbitrary: fc.oneof(fc.string(), fc.integer()) },
)

const sealed = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'), minLength: 36, maxLength: 60 }).map((b) => `kws1.${b}`)
const longString = (n: number) => fc.constant('x'.repeat(n))

const value = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: sealed },
  { weight: 2, arbitrary: hex(64) },
  { weight: 1, arbitrary: fc.oneof(hex(63), hex(64).map((h) => h.toUpperCase()), hex(65)) },
  { weight: 1, arbitrary: fc.oneof(longString(65_536), longString(65_537)) },
  { weight: 2, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0)) },
  { weight: 2, arbitrary: fc.oneof(fc.boolean(), fc.constant(null)) },
  { weight: 3, arbitrary: fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(['x'.repeat(1024)]), fc.constant(['x'.repeat(1025)]), fc.constant(Array.from({ length: 1024 }, () => 'a')), fc.constant(Array.from({ length: 1025 }, () => 'a'))) },
  { weight: 1, arbitrary: fc.oneof(fc.array(fc.oneof(fc.integer(), fc.constant(null)), { minLength: 1, maxLength: 3 }), fc.dictionary(fc.string(), fc.string()), fc.constant(undefined)) },
)

const entity = fc.oneof({ weight: 10, arbitrary: fc.constantFrom(...syncEntityNames) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'Api_keys', ''), fc.integer()) })

const op = entity.chain((e) =>
  fc.record({
    opId: uuid,
    entity: fc.constant(e),
    entityId: uuid,
    collectionId: uuid,
    field: fc.oneof(
      { weight: 8, arbitrary: typeof e === 'string' && Object.hasOwn(SYNC_ENTITIES, e) ? fc.constantFrom(...(SYNC_ENTITIES[e as keyof typeof SYNC_ENTITIES].fields as readonly string[])) : fc.constantFrom(...allFields) },
      { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...allFields), fc.constantFrom('', 'x'.repeat(65), 'constructor', '__proto__'), fc.integer()) },
    ),
    value,
    hlc: stamp,
  }, { noNullPrototype: true }),
)

/** Most ops as generated; some with a key dropped, one added, or reordered. */
const shaped = fc.tuple(op, fc.integer({ min: 0, max: 9 }), fc.constantFrom('opId', 'entity', 'entityId', 'collectionId', 'field', 'value', 'hlc'), fc.constantFrom('extra', '__proto__', 'Value')).map(([o, how, key, extra]) => {
  if (how === 0) {
    const copy: Record<string, unknown> = { ...o }
    delete copy[key]
    return copy
  }
  if (how === 1) return JSON.parse(JSON.stringify({ ...o, [extra]: 1 })) as Record<string, unknown>
  if (how === 2) return Object.fromEntries(Object.entries(o).reverse())
  return o as Record<string, unknown>
})

const seq = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 2_000_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Infinity, '7', null) },
)
/** A pulled change: an op's fields without its id, with a log position. */
const change = fc.tuple(shaped, seq).map(([o, position]) => {
  const { opId: _opId, ...rest } = o
  return 'opId' in o ? { seq: position, ...rest } : { ...rest }
})

/** The guard answers as the schema does, and where both say yes the schema returns the value unchanged. */
function agrees(schema: z.ZodType, guard: (value: unknown) => boolean, candidate: unknown): boolean {
  const parsed = schema.safeParse(candidate)
  expect(guard(candidate)).toBe(parsed.success)
  if (parsed.success) expect(parsed.data).toEqual(candidate)
  return parsed.success
}

describe('the sync path guards', () => {
  it('accepts an operation exactly where SyncOp does, and SyncOp returns it unchanged', () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(shaped, (candidate) => {
        if (agrees(SyncOp, isPlainSyncOp, candidate)) accepted++
        else refused++
      }),
      { numRuns: 5_000 },
    )
    // both sides of the edge were exercised
    expect(accepted).toBeGreaterThan(500)
    expect(refused).toBeGreaterThan(500)
  })

  it('says no to what is not a plain object, and the schema answers for it', () => {
    const valid = { opId: '0190c1c5-7f2a-7000-8000-000000000001', entity: 'regions', entityId: '0190c1c5-7f2a-7000-8000-000000000002', collectionId: '00000000-0000-0000-0000-000000000000', field: 'name', value: 'EU', hlc: '1700000000000-00000-abcdef0123456789' }
    expect(isPlainSyncOp(valid)).toBe(true)
    for (const odd of [null, undefined, 'op', 7, [valid], Object.assign(Object.create(null) as object, valid), new (class Op {})()]) expect(isPlainSyncOp(odd)).toBe(false)
  })

  it('accepts a push body exactly where SyncPushBody does', () => {
    const good = fc.sample(shaped.filter((o) => SyncOp.safeParse(o).success), 3)
    const bad = fc.sample(shaped.filter((o) => !SyncOp.safeParse(o).success), 1)
    const bodies: unknown[] = [
      { ops: good },
      { ops: [] },
      { ops: Array.from({ length: 1000 }, (_, i) => good[i % good.length]) },
      { ops: Array.from({ length: 1001 }, (_, i) => good[i % good.length]) },
      { ops: [...good, ...bad] },
      { ops: good, more: true },
      { ops: good, answer: 'exceptions' },
      { ops: good, answer: 'each' },
      { ops: good, answer: undefined },
      { ops: good, answer: 'some' },
      { ops: good, answer: 'exceptions', more: true },
      { answer: 'exceptions' },
      { ops: good[0] },
      {},
      null,
      [good],
    ]
    for (const body of bodies) agrees(SyncPushBody, isPlainSyncPushBody, body)
  })

  it('agrees on batches and pages whose ops share record and collection ids, valid or not', () => {
    // the guards check an id once for a run of ops that repeat it (RecentIds): any id in the
    // pool may be malformed, and any op may use any of them as its record or collection
    const validOp = shaped.filter((o) => SyncOp.safeParse(o).success)
    const batch = fc.tuple(fc.array(uuid, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(validOp, fc.nat(), fc.nat(), seq), { minLength: 1, maxLength: 8 }))
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(batch, ([pool, picks]) => {
        const ops = picks.map(([o, i, j]) => ({ ...o, entityId: pool[i % pool.length], collectionId: pool[j % pool.length] }))
        if (agrees(SyncPushBody, isPlainSyncPushBody, { ops })) accepted++
        else refused++
        const changes = picks.map(([o, i, j, position]) => {
          const { opId: _opId, ...rest } = o
          return { seq: position, ...rest, entityId: pool[j % pool.length], collectionId: pool[i % pool.length] }
        })
        agrees(SyncPullResult, isPlainSyncPullResult, { changes, next: 1, more: false })
      }),
      { numRuns: 1_000 },
    )
    expect(accepted).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })

  it('accepts a pulled change and a pull page exactly where Change and SyncPullResult do', () => {
    let accepted = 0
    fc.assert(
      fc.property(change, (candidate) => {
        if (agrees(Change, isPlainChange, candidate)) accepted++
      }),
      { numRuns: 3_000 },
    )
    expect(accepted).toBeGreaterThan(500)
    const good = fc.sample(change.filter((c) => Change.safeParse(c).success), 3)
    const bad = fc.sample(change.filter((c) => !Change.safeParse(c).success), 1)
    const pages: unknown[] = [
      { changes: good, next: 9, more: true },
      { changes: [], next: 0, more: false },
      { changes: [...good, ...bad], next: 9, more: false },
      { changes: good, next: -1, more: false },
      { changes: good, next: 1.5, more: false },
      { changes: good, next: 9, more: 'yes' },
      { changes: good, next: 9 },
      { changes: good, next: 9, more: false, extra: 1 },
      null,
    ]
    for (const page of pages) agrees(SyncPullResult, isPlainSyncPullResult, page)
  })

  it('names every synced field within the schema length limit', () => {
    for (const f of allFields) expect(f.length).toBeGreaterThan(0)
    for (const f of allFields) expect(f.length).toBeLessThanOrEqual(64)
  })
})
