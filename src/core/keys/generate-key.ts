import { createHash, randomBytes } from 'node:crypto'
import { assembleKey, BASE62_ALPHABET, KEY_RANDOM_LENGTH } from '../../shared/key-format'

/**
 * 62 × 4 = 248: bytes at or above it are thrown away so every base62 digit is equally
 * likely (a plain `byte % 62` would favour the first 8 digits).
 */
const ACCEPT_BELOW = 248

/** `length` uniformly random base62 characters from the OS CSPRNG. */
export function randomBase62(length: number, source: (size: number) => Buffer = randomBytes): string {
  let out = ''
  while (out.length < length) {
    // ~3% of bytes are rejected; asking for a little more than needed makes a second draw rare.
    const bytes = source(length - out.length + 8)
    for (let i = 0; i < bytes.length && out.length < length; i++) {
      const b = bytes[i]!
      if (b < ACCEPT_BELOW) out += BASE62_ALPHABET[b % 62]
    }
  }
  return out
}

/** A new key for `prefix` (`erp_live`): pure apart from the CSPRNG, stores nothing. */
export function generateKey(prefix: string, source?: (size: number) => Buffer): string {
  return assembleKey(prefix, randomBase62(KEY_RANDOM_LENGTH, source))
}

/** The lookup digest kept in the store and in the in-memory index. */
export function keyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'latin1').digest()
}
