import { errors, importJWK, jwtVerify, type JWTPayload } from 'jose'
import type { z } from 'zod'
import type { IntrospectResult } from '../../shared/server-api'
import type { SyncEngine } from './engine'

type Answer = z.input<typeof IntrospectResult>

const INACTIVE: Answer = { active: false }
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

function headerOf(token: string): { alg?: unknown; kid?: unknown } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { alg?: unknown; kid?: unknown }) : undefined
  } catch {
    return undefined
  }
}

/**
 * RFC 7662 introspection of a service user's token as the desktop issued it (EdDSA JWS,
 * `kid` of a published signing key of the token's collection): the signature against that
 * collection's published key, expiry, audience when asked, and the synced token record —
 * it exists, is not revoked or deleted, belongs to that collection, and its API key is not
 * revoked or deleted. Anything else is `{ active: false }` (RFC 7662 §2.2: no reason given).
 */
export async function introspect(sync: SyncEngine, token: string, now: Date, audience?: string): Promise<Answer> {
  if (!COMPACT.test(token)) return INACTIVE
  const head = headerOf(token)
  if (!head || head.alg !== 'EdDSA' || typeof head.kid !== 'string') return INACTIVE
  const signing = sync.signingKeyByKid(head.kid)
  if (!signing) return INACTIVE
  let payload: JWTPayload
  try {
    const key = await importJWK(signing.jwk, 'EdDSA')
    ;({ payload } = await jwtVerify(token, key, { algorithms: ['EdDSA'], currentDate: now, audience }))
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return INACTIVE
    throw error
  }
  const jti = payload.jti
  if (typeof jti !== 'string') return INACTIVE
  const record = sync.fields('tokens', jti)
  if (!record || (record.get('revoked_at') ?? null) !== null || (record.get('deleted_at') ?? null) !== null) return INACTIVE
  if (sync.collectionOf('tokens', jti) !== signing.collectionId) return INACTIVE
  const keyId = record.get('key_id')
  const key = typeof keyId === 'string' ? sync.fields('api_keys', keyId) : undefined
  if (key && (key.get('status') === 'revoked' || (key.get('deleted_at') ?? null) !== null)) return INACTIVE
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined)
  return {
    active: true,
    scope: str(payload.scope),
    client_id: str(payload.client_id),
    sub: str(payload.sub),
    aud: Array.isArray(payload.aud) ? payload.aud[0] : str(payload.aud),
    iss: str(payload.iss),
    exp: num(payload.exp),
    iat: num(payload.iat),
    jti,
    token_type: 'Bearer',
    collection_id: signing.collectionId,
  }
}
