import { randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { openFromSync, sealForSync } from '../../../src/core/sync/sync-key'

const KEY = randomBytes(32)
const nonceOf = (sealed: string) => Buffer.from(sealed.slice(5), 'base64url').subarray(0, 12).toString('hex')

describe('sealing for the wire', () => {
  it('under an op id, a retry seals to the same body, and the value still opens only in its own row and field', () => {
    const opId = '0b6a3f43-3c2e-4d7e-9f49-52c4f0a9e1d1'
    const a = sealForSync(KEY, Buffer.from('kw_live_secret'), 'api_keys', 'row-1', 'secret', opId)
    expect(sealForSync(KEY, Buffer.from('kw_live_secret'), 'api_keys', 'row-1', 'secret', opId)).toBe(a)
    expect(openFromSync(KEY, a, 'api_keys', 'row-1', 'secret').toString()).toBe('kw_live_secret')
    expect(() => openFromSync(KEY, a, 'api_keys', 'row-2', 'secret')).toThrow(/another organisation passphrase/)
    expect(() => openFromSync(randomBytes(32), a, 'api_keys', 'row-1', 'secret')).toThrow(/another organisation passphrase/)
  })

  it('never uses one nonce for two plaintexts, even under one op id (a synthetic IV)', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.uint8Array({ minLength: 0, maxLength: 64 }), (opId, x, y) => {
        fc.pre(!Buffer.from(x).equals(Buffer.from(y)))
        const nx = nonceOf(sealForSync(KEY, Buffer.from(x), 'tokens', 'row', 'value', opId))
        const ny = nonceOf(sealForSync(KEY, Buffer.from(y), 'tokens', 'row', 'value', opId))
        expect(nx).not.toBe(ny)
      }),
      { numRuns: 500 },
    )
  })

  it('without an op id, the nonce is random', () => {
    const plain = Buffer.from('same value')
    expect(nonceOf(sealForSync(KEY, plain, 'tokens', 'row', 'value'))).not.toBe(nonceOf(sealForSync(KEY, plain, 'tokens', 'row', 'value')))
  })
})
