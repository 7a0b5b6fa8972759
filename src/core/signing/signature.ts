import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import type { Signer } from '../../shared/contract/installation'
import { canonicalJson } from '../audit/audit-log'

/**
 * Ed25519 signatures over exact bytes, shared by audit reports and integrator bundles so
 * both sign, name their signer and verify the same way. A signer is named by the SHA-256 of
 * its raw 32-byte public key (hex, in groups of four), which people can compare aloud.
 */
export const SIGNATURE_ALGORITHM = 'Ed25519'

export function publicKeyFingerprint(publicKeyRaw: Buffer): string {
  const hex = createHash('sha256').update(publicKeyRaw).digest('hex')
  return hex.match(/.{4}/g)!.join(' ')
}

/** Fingerprints compare without spaces, colons or case. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toLowerCase()
}

export function sameFingerprint(a: string, b: string): boolean {
  return normalizeFingerprint(a) === normalizeFingerprint(b)
}

export function rawPublicKey(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' })
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new TypeError('not an Ed25519 key')
  return Buffer.from(jwk.x, 'base64url')
}

export function signerOf(publicKeyRaw: Buffer): Signer {
  return { algorithm: SIGNATURE_ALGORITHM, publicKey: publicKeyRaw.toString('base64'), fingerprint: publicKeyFingerprint(publicKeyRaw) }
}

/** A key pair in memory: the private half as PKCS#8 DER, ready to be sealed. */
export function generateSigningKeyPair(): { publicKeyRaw: Buffer; privateKeyDer: Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  return { publicKeyRaw: rawPublicKey(publicKey), privateKeyDer: privateKey.export({ format: 'der', type: 'pkcs8' }) }
}

export interface SigningKey {
  signer: Signer
  /** Base64 signature of exactly these bytes. */
  sign(bytes: Buffer | string): string
}

export function signingKeyFromDer(privateKeyDer: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' })
  const signer = signerOf(rawPublicKey(createPublicKey(privateKey)))
  return {
    signer,
    sign: (bytes) => sign(null, Buffer.from(bytes), privateKey).toString('base64'),
  }
}

/**
 * True only for a well-formed Ed25519 public key and a signature that matches these exact
 * bytes. Malformed keys or signatures are simply "does not verify", never an exception.
 */
export function verifyBytes(publicKeyBase64: string, bytes: Buffer | string, signatureBase64: string): boolean {
  const raw = strictBase64(publicKeyBase64)
  const signature = strictBase64(signatureBase64)
  if (!raw || raw.length !== 32 || !signature || signature.length !== 64) return false
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' })
    return verify(null, Buffer.from(bytes), key, signature)
  } catch {
    return false
  }
}

/** Canonical JSON bytes: what a signed JSON document's signature covers. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8')
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  )
}

/** Sorted keys, two-space indent, final newline: the one spelling of a signed JSON file. */
export function canonicalPrettyJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`
}

/** Decodes standard base64 only if it round-trips, so no two spellings carry one value. */
export function strictBase64(text: string): Buffer | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64')
  return bytes.toString('base64') === text ? bytes : undefined
}

/**
 * The raw public key a signer block names, when the block is exactly as Keyward writes it:
 * strict base64 of 32 bytes, and that key's fingerprint spelled as publicKeyFingerprint spells
 * it (a file's own signer block is held to its exact form; only a fingerprint a person types
 * is compared loosely, with sameFingerprint). Undefined for anything else.
 */
export function signerPublicKey(signer: Signer): Buffer | undefined {
  const raw = strictBase64(signer.publicKey)
  return raw && raw.length === 32 && publicKeyFingerprint(raw) === signer.fingerprint ? raw : undefined
}
