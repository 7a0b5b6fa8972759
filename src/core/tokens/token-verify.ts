import { timingSafeEqual } from 'node:crypto'
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'
import type { TokenVerifyCode } from '../../shared/contract/tokens'
import type { Session } from '../session'
import { currentKey, keyUsable } from '../users/user-key'
import { issuerOf } from './jwt'
import { isPublished, signingKeyByKid, type PublicJwk } from './signing-keys'
import { valueContext, type TokenRow } from './tokens'
import { unseal } from '../store/seal'
import { prepared } from '../store/statements'

export interface TokenVerifyResult {
  code: TokenVerifyCode
  tokenId?: string
  userId?: string
  clientId?: string
  collectionId?: string
  scope?: string[]
  expiresAt?: string
}

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

function header(token: string): { alg?: unknown; kid?: unknown } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { alg?: unknown; kid?: unknown }) : undefined
  } catch {
    return undefined
  }
}

/** jose's error classes → our fixed codes. Signature is checked before any claim. */
function codeOf(error: unknown): TokenVerifyCode {
  if (error instanceof errors.JWTExpired) return 'EXPIRED'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'WRONG_ISSUER'
    if (error.claim === 'aud') return 'WRONG_AUDIENCE'
    if (error.claim === 'nbf' || error.claim === 'iat') return 'NOT_YET_VALID'
    return 'MALFORMED'
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'BAD_SIGNATURE'
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'BAD_ALGORITHM'
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return 'UNKNOWN_KEY'
  return 'MALFORMED'
}

/**
 * Verifies a service-user token as an API gateway would (and as the remote instance's
 * introspection does): compact EdDSA JWS, `kid` of a published signing key this installation
 * holds (its own or synced), signature against that collection's JWKS, audience (the signing
 * key's collection, and `audience` when the caller names one), expiry, issuer (this
 * installation, or another desktop of the organisation for a token synced here), then the
 * store: the token exists and is not revoked, its user is live and active, and the user's key
 * still verifies.
 */
export async function verifyToken(s: Session, token: string, audience?: string): Promise<TokenVerifyResult> {
  if (!COMPACT.test(token)) return { code: 'MALFORMED' }
  const head = header(token)
  if (!head) return { code: 'MALFORMED' }
  if (head.alg !== 'EdDSA') return { code: 'BAD_ALGORITHM' }
  if (typeof head.kid !== 'string') return { code: 'UNKNOWN_KEY' }
  const now = s.now()
  const signing = signingKeyByKid(s, head.kid)
  if (!signing || !isPublished(signing, now)) return { code: 'UNKNOWN_KEY' }
  const collectionId = signing.collection_id
  if (audience !== undefined && audience !== collectionId) {
    // the caller expects another collection: still prove the signature first, so the
    // answer does not depend on anything an unsigned token could choose
    const proof = await check(token, JSON.parse(signing.public_jwk) as PublicJwk, collectionId, now)
    return { code: 'code' in proof ? proof.code : 'WRONG_AUDIENCE' }
  }
  const verified = await check(token, JSON.parse(signing.public_jwk) as PublicJwk, collectionId, now)
  if ('code' in verified) return { code: verified.code }
  const claims = verified.payload as JWTPayload & { client_id?: unknown; scope?: unknown }
  if (typeof claims.jti !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number') return { code: 'MALFORMED' }
  if (claims.iss !== issuerOf(s.installationId) && !issuedInOrganisation(s, token, claims.jti)) return { code: 'WRONG_ISSUER' }
  const base = {
    tokenId: claims.jti,
    userId: claims.sub,
    clientId: typeof claims.client_id === 'string' ? claims.client_id : undefined,
    collectionId,
    scope: typeof claims.scope === 'string' && claims.scope !== '' ? claims.scope.split(' ') : [],
    expiresAt: new Date(claims.exp * 1000).toISOString(),
  }
  const row = prepared(s.db, 'SELECT user_id, revoked_at, signing_key_id FROM tokens WHERE id = ?').get(claims.jti) as Pick<TokenRow, 'user_id' | 'revoked_at' | 'signing_key_id'> | undefined
  if (!row || row.user_id !== claims.sub || row.signing_key_id !== signing.id) return { code: 'NOT_FOUND', ...base }
  if (row.revoked_at !== null) return { code: 'REVOKED', ...base }
  const user = prepared(s.db, 'SELECT status, key_id, client_id FROM service_users WHERE id = ? AND deleted_at IS NULL').get(claims.sub) as { status: string; key_id: string; client_id: string } | undefined
  const key = user && currentKey(s, user.key_id)
  if (!user || user.status !== 'active' || user.client_id !== base.clientId || !key || !keyUsable(key, now)) return { code: 'SUBJECT_INACTIVE', ...base }
  return { code: 'VALID', ...base }
}

/**
 * A token names the installation that issued it (`iss`). One issued by another desktop of the
 * organisation, with a signing key that came through sync, carries that desktop's issuer; it
 * is accepted when it is exactly the token that desktop issued, i.e. this store holds the
 * same token under its id (sealed, synced with its record). Anything else signed with our
 * key but naming another issuer is refused.
 */
function issuedInOrganisation(s: Session, token: string, id: string): boolean {
  const row = prepared(s.db, 'SELECT value FROM tokens WHERE id = ?').get(id) as { value: Buffer } | undefined
  if (!row) return false
  const stored = unseal(s.sealKey, row.value, valueContext(id))
  const presented = Buffer.from(token, 'utf8')
  return stored.length === presented.length && timingSafeEqual(stored, presented)
}

async function check(token: string, jwk: PublicJwk, collectionId: string, now: Date): Promise<{ payload: JWTPayload } | { code: TokenVerifyCode }> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [jwk] }), {
      algorithms: ['EdDSA'],
      // the issuer is checked after the signature and claims (issuedInOrganisation)
      audience: collectionId,
      currentDate: now,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    })
    return { payload }
  } catch (error) {
    return { code: codeOf(error) }
  }
}
