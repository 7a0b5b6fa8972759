import { randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { generateKey, randomBase62 } from '../../../src/core/keys/generate-key'
import {
  assembleKey,
  BASE62_ALPHABET,
  base62Fixed,
  crc32Ascii,
  keyHint,
  splitKey,
  verifyKeyFormat,
} from '../../../src/shared/key-format'

const base62Char = fc.constantFrom(...BASE62_ALPHABET.split(''))
const random32 = fc.string({ unit: base62Char, minLength: 32, maxLength: 32 })
const appPrefix = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')), minLength: 2, maxLength: 8 })
const env = fc.constantFrom('live', 'test')

describe('key format (DESIGN §2)', () => {
  it('has the documented shape: <app>_<env>_<32 base62><6 base62 CRC32>', () => {
    const key = generateKey('erp_live')
    expect(key).toMatch(/^erp_live_[0-9A-Za-z]{38}$/)
    expect(verifyKeyFormat(key)).toBe('VALID_FORMAT')
    const parts = splitKey(key)!
    expect(parts).toMatchObject({ appPrefix: 'erp', environment: 'live', prefix: 'erp_live' })
    expect(parts.random).toHaveLength(32)
    expect(parts.checksum).toBe(base62Fixed(crc32(key.slice(0, -6)), 6))
    expect(keyHint(key)).toBe(`erp_live_${parts.random.slice(0, 4)}…${parts.random.slice(-4)}`)
  })

  it('computes the same CRC32 as zlib for any ASCII text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 200 }), (text) => {
        expect(crc32Ascii(text)).toBe(crc32(Buffer.from(text, 'latin1')))
      }),
      { numRuns: 2000 },
    )
  })

  it('base62Fixed is a bijection on 32-bit values at width 6', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        const ea = base62Fixed(a, 6)
        expect(ea).toHaveLength(6)
        expect(ea === base62Fixed(b, 6)).toBe(a === b)
      }),
    )
    expect(() => base62Fixed(62 ** 6, 6)).toThrow(RangeError)
  })

  it('accepts every assembled key and rejects it with any other checksum', () => {
    fc.assert(
      fc.property(appPrefix, env, random32, fc.integer({ min: 0, max: 62 ** 6 - 1 }), (app, e, random, other) => {
        const key = assembleKey(`${app}_${e}`, random)
        expect(verifyKeyFormat(key)).toBe('VALID_FORMAT')
        const forged = key.slice(0, -6) + base62Fixed(other, 6)
        expect(verifyKeyFormat(forged)).toBe(forged === key ? 'VALID_FORMAT' : 'BAD_CHECKSUM')
      }),
      { numRuns: 5000 },
    )
  })

  it('agrees with the reference definition (pattern + zlib CRC32) on near-keys', () => {
    const reference = (s: string) => {
      if (!/^[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}$/.test(s)) return 'MALFORMED'
      return base62Fixed(crc32(Buffer.from(s.slice(0, -6), 'latin1')), 6) === s.slice(-6) ? 'VALID_FORMAT' : 'BAD_CHECKSUM'
    }
    const alphabet = fc.constantFrom(...`${BASE62_ALPHABET}_-é`.split(''))
    const mutated = fc
      .tuple(appPrefix, env, random32, fc.array(fc.tuple(fc.nat(60), alphabet, fc.constantFrom('set', 'insert', 'delete')), { maxLength: 3 }))
      .map(([app, e, random, edits]) => {
        let key = assembleKey(`${app}_${e}`, random)
        for (const [at, ch, op] of edits) {
          const i = at % (key.length + 1)
          key = op === 'set' ? key.slice(0, i) + ch + key.slice(i + 1) : op === 'insert' ? key.slice(0, i) + ch + key.slice(i) : key.slice(0, i) + key.slice(i + 1)
        }
        return key
      })
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 60 })), (s) => {
        expect(verifyKeyFormat(s)).toBe(reference(s))
      }),
      { numRuns: 50_000 },
    )
  })

  it('never throws and never accepts arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        expect(['MALFORMED', 'BAD_CHECKSUM']).toContain(verifyKeyFormat(s))
      }),
      { numRuns: 20000 },
    )
    for (const bad of ['', 'erp_live_', 'ERP_live_' + 'a'.repeat(38), 'erp_prod_' + 'a'.repeat(38), 'e_live_' + 'a'.repeat(38), 'erpxxxxxx_live_' + 'a'.repeat(38), 'erp_live_' + 'a'.repeat(37) + 'é']) {
      expect(verifyKeyFormat(bad)).toBe('MALFORMED')
    }
    expect(verifyKeyFormat(undefined as unknown as string)).toBe('MALFORMED')
  })

  it('draws base62 digits without modulo bias (rejection sampling)', () => {
    // Bytes 248…255 must be skipped: a source that only yields them then 0…61 gives 0…61 in order.
    const bytes = Buffer.from([...Array.from({ length: 8 }, (_, i) => 248 + i), ...Array.from({ length: 62 }, (_, i) => i)])
    let offset = 0
    const source = (size: number) => {
      const out = Buffer.alloc(size)
      for (let i = 0; i < size; i++) out[i] = bytes[offset++ % bytes.length]!
      return out
    }
    expect(randomBase62(62, source)).toBe(BASE62_ALPHABET)
    // chi-square over 620 000 real digits: 61 degrees of freedom, p = 0.0001 critical value ≈ 113.
    const counts = new Array(62).fill(0)
    const text = randomBase62(620_000, randomBytes)
    for (let i = 0; i < text.length; i++) counts[BASE62_ALPHABET.indexOf(text[i]!)]++
    const expected = text.length / 62
    const chi = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
    expect(chi).toBeLessThan(113)
  })

  it('generates 1 000 000 keys without a duplicate', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 1_000_000; i++) seen.add(generateKey('wf_live'))
    expect(seen.size).toBe(1_000_000)
  }, 120_000)

  it('rejects every single-character substitution, adjacent swap and truncation of 10 000 keys', () => {
    const alphabet = `${BASE62_ALPHABET}_-.`
    let checked = 0
    for (let k = 0; k < 10_000; k++) {
      const key = generateKey(['wf_live', 'mob_test', 'erp_live'][k % 3]!)
      for (let i = 0; i < key.length; i++) {
        const head = key.slice(0, i)
        const tail = key.slice(i + 1)
        const original = key[i]
        for (let a = 0; a < alphabet.length; a++) {
          const ch = alphabet[a]!
          if (ch === original) continue
          if (verifyKeyFormat(head + ch + tail) === 'VALID_FORMAT') throw new Error(`substitution at ${i} accepted`)
          checked++
        }
        if (i + 1 < key.length && key[i] !== key[i + 1]) {
          if (verifyKeyFormat(head + key[i + 1] + key[i] + key.slice(i + 2)) === 'VALID_FORMAT') throw new Error(`swap at ${i} accepted`)
          checked++
        }
        if (verifyKeyFormat(key.slice(0, i)) === 'VALID_FORMAT') throw new Error(`truncation to ${i} accepted`)
        if (verifyKeyFormat(key.slice(i + 1)) === 'VALID_FORMAT') throw new Error(`front truncation at ${i} accepted`)
        checked += 2
      }
    }
    expect(checked).toBeGreaterThan(10_000 * 47 * 60)
  }, 180_000)
})
