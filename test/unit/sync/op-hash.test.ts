import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson } from '../../../src/core/audit/audit-log'
import { opHash } from '../../../src/server/sync/engine'
import { syncEntityNames, type SyncOp } from '../../../src/shared/sync'

/** The hash as the server stored it before the direct text: ops already in `ops` must still match. */
const stored = (op: SyncOp) => createHash('sha256').update(canonicalJson({ ...op })).digest('hex')

const value = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 5 }))
const op = fc.record({
  opId: fc.uuid(),
  entity: fc.constantFrom(...syncEntityNames),
  entityId: fc.uuid(),
  collectionId: fc.uuid(),
  field: fc.string({ minLength: 1, maxLength: 20 }),
  value,
  hlc: fc.string(),
})

describe('opHash', () => {
  it('equals the SHA-256 of the canonical JSON for every op of the wire schema', () => {
    fc.assert(
      fc.property(op, (o) => {
        expect(opHash(o as SyncOp)).toBe(stored(o as SyncOp))
      }),
      { numRuns: 2000 },
    )
  })

  it('takes the general path for anything else, with the same answer', () => {
    const base = { opId: '0192a0a0-0000-7000-8000-000000000001', entity: 'clients', entityId: '0192a0a0-0000-7000-8000-000000000002', collectionId: '0192a0a0-0000-7000-8000-000000000003', field: 'name', hlc: '1700000000000-00000-n', value: 'x' }
    for (const odd of [{ ...base, extra: 1 }, { ...base, value: { nested: ['a'], b: 1 } }, { ...base, value: [1, 'a'] }, { ...base, value: undefined }]) {
      expect(opHash(odd as unknown as SyncOp)).toBe(stored(odd as unknown as SyncOp))
    }
    // key order of the object does not matter
    const { value: v, ...rest } = base
    expect(opHash({ value: v, ...rest } as SyncOp)).toBe(opHash(base as SyncOp))
  })
})
