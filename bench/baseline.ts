import { hash } from 'node:crypto'
import { generateKey } from '../src/core/keys/generate-key'
import { measure, type Bench } from './harness'

/** What one core of this machine does for a bare SHA-256 of a key-sized (48-byte) string. */
export const SHA256_BASELINE = 'baseline.sha256'

export const baselineBench: Bench = {
  run() {
    const inputs = Array.from({ length: 10_000 }, () => generateKey('base_live'))
    if (inputs[0]!.length !== 48) throw new Error('baseline input must be 48 bytes')
    return [{ ...measure(SHA256_BASELINE, 1_000_000, (i) => hash('sha256', inputs[i % inputs.length]!, 'buffer')), bytes: 48 }]
  },
}
