/**
 * The API key format of DESIGN §2, pure so the UI, the CLI's leak scanner and the core all
 * judge a key alike, offline:
 *
 *   <app prefix>_<env>_<32 base62 random chars><6 base62 chars of CRC32>
 *   e.g. erp_live_3kTq…(32)…Zx09aB
 *
 * The CRC32 covers every character before the checksum (prefix included), so a mistyped,
 * swapped or truncated key is rejected without asking the store, and a leak scanner finds
 * real keys with almost no false positives. The checksum is not a secret and adds no
 * entropy; the 32 random chars carry log2(62^32) ≈ 190 bits.
 */

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
export const KEY_RANDOM_LENGTH = 32
export const KEY_CHECKSUM_LENGTH = 6
export const KEY_ENVIRONMENTS = ['live', 'test'] as const
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number]

/** Application prefixes are 2–8 lower-case letters (`wf`, `mob`, `erp`). */
export const APP_PREFIX_PATTERN = /^[a-z]{2,8}$/

export const KEY_FORMAT_CODES = ['VALID_FORMAT', 'MALFORMED', 'BAD_CHECKSUM'] as const
export type KeyFormatCode = (typeof KEY_FORMAT_CODES)[number]

const KEY_PATTERN = /^[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}$/
const MIN_LENGTH = 2 + 1 + 4 + 1 + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH
const MAX_LENGTH = 8 + 1 + 4 + 1 + KEY_RANDOM_LENGTH + KEY_CHECKSUM_LENGTH

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/**
 * CRC-32 (IEEE 802.3, the zlib one) of the first `end` characters of an ASCII string. Keys
 * are ASCII by construction; callers reject anything else before calling this.
 */
export function crc32Ascii(text: string, end = text.length): number {
  let crc = 0xffffffff
  for (let i = 0; i < end; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** Fixed-width base62, most significant digit first (62^6 ≈ 5.7e10 > 2^32). */
export function base62Fixed(value: number, width: number): string {
  let out = ''
  let v = value
  for (let i = 0; i < width; i++) {
    out = BASE62_ALPHABET[v % 62]! + out
    v = Math.floor(v / 62)
  }
  if (v !== 0) throw new RangeError(`${value} does not fit in ${width} base62 digits`)
  return out
}

const DIGIT_VALUE = (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < BASE62_ALPHABET.length; i++) values[BASE62_ALPHABET.charCodeAt(i)] = i
  return values
})()

function decodeBase62(text: string, start: number, end: number): number {
  let v = 0
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i)
    const d = code < 128 ? DIGIT_VALUE[code]! : -1
    if (d < 0) return -1
    v = v * 62 + d
  }
  return v
}

/** `erp` + `live` → `erp_live`. */
export function keyPrefix(appPrefix: string, environment: KeyEnvironment): string {
  return `${appPrefix}_${environment}`
}

/** Appends the checksum to `<prefix>_<random>`. `random` must be 32 base62 characters. */
export function assembleKey(prefix: string, random: string): string {
  const body = `${prefix}_${random}`
  return body + base62Fixed(crc32Ascii(body), KEY_CHECKSUM_LENGTH)
}

/** Structure and checksum only; says nothing about whether the key exists. */
export function verifyKeyFormat(key: string): KeyFormatCode {
  if (typeof key !== 'string' || key.length < MIN_LENGTH || key.length > MAX_LENGTH || !KEY_PATTERN.test(key)) return 'MALFORMED'
  const bodyEnd = key.length - KEY_CHECKSUM_LENGTH
  return decodeBase62(key, bodyEnd, key.length) === crc32Ascii(key, bodyEnd) ? 'VALID_FORMAT' : 'BAD_CHECKSUM'
}

export interface KeyParts {
  appPrefix: string
  environment: KeyEnvironment
  /** `<app prefix>_<env>` */
  prefix: string
  random: string
  checksum: string
}

/** Splits a key that passed the structural check; undefined when it is malformed. */
export function splitKey(key: string): KeyParts | undefined {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) return undefined
  const [appPrefix, environment] = key.split('_', 2) as [string, KeyEnvironment]
  const prefix = `${appPrefix}_${environment}`
  const rest = key.slice(prefix.length + 1)
  return { appPrefix, environment, prefix, random: rest.slice(0, KEY_RANDOM_LENGTH), checksum: rest.slice(KEY_RANDOM_LENGTH) }
}

/**
 * What the UI shows instead of the secret: prefix + first 4 + last 4 of the random part
 * (8 of 32 random characters, leaving ≈ 143 bits unknown).
 */
export function keyHint(key: string): string {
  const parts = splitKey(key)
  if (!parts) throw new RangeError('not a key')
  return `${parts.prefix}_${parts.random.slice(0, 4)}…${parts.random.slice(-4)}`
}

const KEY_LIKE = /[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}/g

/**
 * For echoing user input in messages: anything shaped like a key (a secret pasted into the
 * wrong field) is replaced, so errors and logs never repeat one.
 */
export function redactKeys(text: string, max = 100): string {
  return text.replace(KEY_LIKE, '[api key]').slice(0, max)
}
