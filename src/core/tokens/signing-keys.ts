import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import type { Jwk } from '../../shared/contract/tokens'
import type { z } from 'zod'
import { appendAudit } from '../audit/audit-log'
import type { Session } from '../session'
import { seal, unseal } from '../store/seal'
import { collections } from '../topology/topology'
import { prepared } from '../store/statements'

/**
 * Per-collection Ed25519 keys that sign service-user tokens. A collection gets its first key
 * when its first token is issued. Rotation retires the current key: it signs nothing more but
 * stays in the collection's JWKS until `not_after`, the expiry of the last token it signed,
 * so every token issued keeps verifying until it expires on its own.
 */
export type PublicJwk = z.infer<typeof Jwk>

export interface SigningKeyRow {
  id: string
  collection_id: string
  kid: string
  public_jwk: string
  private_key: Buffer
  created_at: string
  retired_at: string | null
  not_after: string | null
  updated_at: string
}

const sealContext = (id: string) => ({ table: 'token_signing_keys', column: 'private_key', rowId: id })

/** RFC 7638 thumbprint: SHA-256 over the required members in lexical order, base64url. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string }): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url')
}

function createSigningKey(s: Session, collectionId: string): SigningKeyRow {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const exported = publicKey.export({ format: 'jwk' }) as { kty: 'OKP'; crv: 'Ed25519'; x: string }
  const kid = jwkThumbprint(exported)
  const jwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: exported.x, kid, alg: 'EdDSA', use: 'sig' }
  const id = uuidv7()
  const der = privateKey.export({ format: 'der', type: 'pkcs8' })
  const now = s.now().toISOString()
  prepared(s.db, 'INSERT INTO token_signing_keys (id, collection_id, kid, public_jwk, private_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id, collectionId, kid, JSON.stringify(jwk), seal(s.sealKey, der, sealContext(id)), now, s.hlc.now())
  der.fill(0)
  return prepared(s.db, 'SELECT * FROM token_signing_keys WHERE id = ?').get(id) as SigningKeyRow
}

const currentRow = (s: Session, collectionId: string) =>
  prepared(s.db, 'SELECT * FROM token_signing_keys WHERE collection_id = ? AND retired_at IS NULL').get(collectionId) as SigningKeyRow | undefined

/** The key new tokens of the collection are signed with, created on first use (inside the caller's transaction). */
export function currentSigningKey(s: Session, actor: string, collectionId: string): SigningKeyRow {
  const row = currentRow(s, collectionId)
  if (row) return row
  const created = createSigningKey(s, collectionId)
  appendAudit(s, { actor, action: 'tokens.signingKey.create', entity: 'collection', entityId: collectionId, details: { kid: created.kid } })
  return created
}

export function signingPrivateKey(s: Session, row: SigningKeyRow): KeyObject {
  const der = unseal(s.sealKey, row.private_key, sealContext(row.id))
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

export function signingKeyByKid(s: Session, kid: string): SigningKeyRow | undefined {
  return prepared(s.db, 'SELECT * FROM token_signing_keys WHERE kid = ?').get(kid) as SigningKeyRow | undefined
}

/** Still published: current, or retired with tokens that have not expired yet. */
export function isPublished(row: Pick<SigningKeyRow, 'not_after'>, now: Date): boolean {
  return row.not_after === null || Date.parse(row.not_after) > now.getTime()
}

export function collectionJwks(s: Session, collectionId: string): { keys: PublicJwk[] } {
  collections.get(s, collectionId)
  const rows = prepared(s.db, 'SELECT public_jwk, not_after FROM token_signing_keys WHERE collection_id = ? ORDER BY created_at DESC, id DESC').all(collectionId) as Pick<SigningKeyRow, 'public_jwk' | 'not_after'>[]
  const now = s.now()
  return { keys: rows.filter((r) => isPublished(r, now)).map((r) => JSON.parse(r.public_jwk) as PublicJwk) }
}

/**
 * Retires the current key (published until its last unrevoked token expires) and starts a
 * new one; with no key yet, just starts one.
 */
export function rotateSigningKey(s: Session, actor: string, collectionId: string): { kid: string; retired: { kid: string; notAfter: string }[] } {
  return s.db.transaction(() => {
    collections.get(s, collectionId)
    const now = s.now().toISOString()
    const old = currentRow(s, collectionId)
    if (old) {
      const { last } = prepared(s.db, 'SELECT max(expires_at) AS last FROM tokens WHERE signing_key_id = ? AND revoked_at IS NULL').get(old.id) as { last: string | null }
      const notAfter = last !== null && last > now ? last : now
      prepared(s.db, 'UPDATE token_signing_keys SET retired_at = ?, not_after = ?, updated_at = ? WHERE id = ?').run(now, notAfter, s.hlc.now(), old.id)
    }
    const next = createSigningKey(s, collectionId)
    appendAudit(s, { actor, action: 'tokens.rotateSigningKey', entity: 'collection', entityId: collectionId, details: { kid: next.kid, retiredKid: old?.kid ?? null } })
    const retired = prepared(s.db, 'SELECT kid, not_after FROM token_signing_keys WHERE collection_id = ? AND retired_at IS NOT NULL AND not_after > ? ORDER BY created_at')
      .all(collectionId, now) as { kid: string; not_after: string }[]
    return { kid: next.kid, retired: retired.map((r) => ({ kid: r.kid, notAfter: r.not_after })) }
  })()
}
