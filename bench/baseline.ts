import { hash } from 'node:crypto'
import { generateKey } from '../src/core/keys/generate-key'
import { measure, type Bench } from './harness'

/**
 * What one core of this machine does for a bare SHA-256 of a key-sized (48-byte) string: the
 * one-shot `hash()` with the digest as bytes (a Buffer), the form the reference figure
 * was taken with (SHA-256 plus a Map lookup of the hex digest reaches about 65 % of it; the
 * keys bench measures that figure again in the same run). keys.verify itself asks for the
 * digest as a one-byte string, which Node hands back about twice as fast as a Buffer; the keys
 * bench reports its ratio to that form too.
 */
export const SHA256_BASELINE = 'baseline.sha256'
/** How many distinct inputs, and in which order: the same pattern keys.verify.inprocess uses. */
export const DISTINCT_INPUTS = 100_000

/** Fisher–Yates: the order in which both entries walk their inputs. */
export function shuffledOrder(n: number): Int32Array {
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = order[i]!
    order[i] = order[j]!
    order[j] = t
  }
  return order
}

/** The baseline operation itself, shared with the entries that measure it again alongside. */
export const sha256Baseline = (input: string) => hash('sha256', input, 'buffer')

export const baselineBench: Bench = {
  run() {
    // 100 000 distinct 48-byte keys in random order, like the verification entry, so the
    // ratio compares verification with hashing under the same memory access pattern
    const inputs = Array.from({ length: DISTINCT_INPUTS }, () => generateKey('base_live'))
    if (inputs[0]!.length !== 48) throw new Error('baseline input must be 48 bytes')
    const order = shuffledOrder(DISTINCT_INPUTS)
    const result = measure(SHA256_BASELINE, 1_000_000, (i) => sha256Baseline(inputs[order[i % DISTINCT_INPUTS]!]!))
    return [{ ...result, bytes: 48, inputs: DISTINCT_INPUTS, order: 'random' }]
  },
}
