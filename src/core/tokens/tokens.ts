import { timingSafeEqual } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import type { TokenInfo } from '../../shared/contract/tokens'
import { KeywardError, type ErrorCode } from '../../shared/errors'
import { appendAudit } from '../audit/audit-log'
import type { Session } from '../session'
import { seal, unseal } from '../store/seal'
import { burnPasswordCheck, passwordMatches } from '../users/passwords'
import { checkTotp } from '../users/totp'
import { currentKey, keyUsable } from '../users/user-key'
import { hasPassword, requireUser, totpSealContext, userByUsername, type UserRow } from '../users/users'
import { issuerOf, signJwt } from './jwt'
import { clearFailures, recordFailure, retryAfterMs } from './login-throttle'
import { currentSigningKey, signingPrivateKey } from './signing-keys'
import { prepared } from '../store/statements'

export interface TokenRow {
  id: string
  user_id: string
  collection_id: string
  key_id: string
  signing_key_id: string
  audience: string
  scope: string
  value: Buffer
  issued_at: string
  expires_at: string
  revoked_at: string | null
  revoked_reason: string | null
  updated_at: string
}

export const valueContext = (id: string) => ({ table: 'tokens', column: 'value', rowId: id })
const TOKEN_SELECT = 'SELECT t.*, k.kid FROM tokens t JOIN token_signing_keys k ON k.id = t.signing_key_id'

export function toTokenInfo(row: TokenRow & { kid: string }, now: Date): TokenInfo {
  return {
    id: row.id,
    userId: row.user_id,
    collectionId: row.collection_id,
    keyId: row.key_id,
    kid: row.kid,
    audience: row.audience,
    scope: row.scope === '' ? [] : row.scope.split(' '),
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    status: row.revoked_at !== null ? 'revoked' : Date.parse(row.expires_at) <= now.getTime() ? 'expired' : 'valid',
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
  }
}

function readToken(s: Session, id: string): TokenRow & { kid: string } {
  const row = prepared(s.db, `${TOKEN_SELECT} WHERE t.id = ?`).get(id) as (TokenRow & { kid: string }) | undefined
  if (!row) throw new KeywardError('TOKEN_NOT_FOUND', `No token with id ${id} exists.`)
  return row
}

export type GenerateInput = ({ userId: string } | { username: string; collectionId: string }) & {
  clientId: string
  password: string
  totp?: string
  ttlSeconds: number
}

/** Who is trying to log in: the user when it exists, and the subject its back-off is kept under. */
function locate(s: Session, input: GenerateInput): { user: UserRow | undefined; subject: string; collectionId: string | null } {
  if ('userId' in input) {
    const user = prepared(s.db, 'SELECT * FROM service_users WHERE id = ? AND deleted_at IS NULL').get(input.userId) as UserRow | undefined
    return { user, subject: user?.id ?? `unknown:${input.userId}`, collectionId: user?.collection_id ?? null }
  }
  const user = userByUsername(s, input.collectionId, input.username)
  return { user, subject: user?.id ?? `unknown:${input.collectionId}:${input.username.normalize('NFC').trim().toLowerCase().slice(0, 256)}`, collectionId: input.collectionId }
}

/** Client IDs are compared in constant time like the password behind them. */
function sameClientId(given: string, stored: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(stored)
  return a.length === b.length && timingSafeEqual(a, b)
}

type Refusal = { code: ErrorCode; reason: string; message: string; countsAsFailure: boolean }

const BAD_CREDENTIALS = 'The username, client ID, password or TOTP code is not correct.'

/** One request per subject at a time, so parallel guesses cannot outrun the back-off. */
const inFlight = new WeakMap<Session, Set<string>>()

/**
 * Audits a refused attempt (and counts it for the back-off) in its own transaction, then
 * throws. Details say why in the audit log only, never which part was wrong to the caller,
 * and never carry what was typed.
 */
function refuse(s: Session, actor: string, subject: string, user: UserRow | undefined, collectionId: string | null, refusal: Refusal): never {
  s.db.transaction(() => {
    const failures = refusal.countsAsFailure ? recordFailure(s, subject) : undefined
    appendAudit(s, { actor, action: 'tokens.refused', entity: 'service_user', entityId: user?.id ?? null, details: { reason: refusal.reason, collectionId, userKnown: user !== undefined, failures } })
  })()
  throw new KeywardError(refusal.code, refusal.message)
}

function rateLimited(waitMs: number): Refusal {
  return { code: 'TOKEN_RATE_LIMITED', reason: 'rate_limited', message: `Too many failed attempts for this user; try again in ${Math.ceil(waitMs / 1000)} s.`, countsAsFailure: false }
}

export const tokens = {
  async generate(s: Session, actor: string, input: GenerateInput): Promise<{ token: string; tokenType: 'Bearer'; info: TokenInfo }> {
    const { user, subject, collectionId } = locate(s, input)
    const busy = inFlight.get(s) ?? new Set<string>()
    inFlight.set(s, busy)
    if (busy.has(subject)) refuse(s, actor, subject, user, collectionId, { ...rateLimited(1000), reason: 'concurrent_attempt' })
    const wait = retryAfterMs(s, subject)
    if (wait > 0) refuse(s, actor, subject, user, collectionId, rateLimited(wait))
    if (user && !hasPassword(user)) {
      // Only an admin with the vault open reaches this method, so naming the fix leaks nothing.
      refuse(s, actor, subject, user, collectionId, {
        code: 'TOKEN_PASSWORD_NOT_SET',
        reason: 'password_not_set',
        message: `The service user "${user.username}" has no password yet (it came from an integrator bundle); set one with "Reset password" before generating tokens.`,
        countsAsFailure: false,
      })
    }
    busy.add(subject)
    try {
      // the Argon2 work is spent whatever is wrong, so timing does not say which part was
      const passwordOk = user ? (await passwordMatches(user.password_hash, input.password)) && sameClientId(input.clientId, user.client_id) : await burnPasswordCheck(input.password)
      const outcome = s.db.transaction((): Refusal | { token: string; id: string } => {
        const now = s.now()
        const fresh = user && (prepared(s.db, 'SELECT * FROM service_users WHERE id = ? AND deleted_at IS NULL').get(user.id) as UserRow | undefined)
        // a password reset or delete while Argon2 ran invalidates what was checked
        if (!fresh || !passwordOk || fresh.password_hash !== user.password_hash) return { code: 'TOKEN_BAD_CREDENTIALS', reason: 'bad_credentials', message: BAD_CREDENTIALS, countsAsFailure: true }
        let totpStep: number | null = null
        if (fresh.auth_method === 'password_totp') {
          if (input.totp === undefined || input.totp.trim() === '') {
            return { code: 'TOKEN_TOTP_REQUIRED', reason: 'totp_missing', message: 'This service user signs in with a TOTP code as well; send the current code of its authenticator.', countsAsFailure: true }
          }
          const check = checkTotp(unseal(s.sealKey, fresh.totp_secret!, totpSealContext(fresh.id, 'totp_secret')), input.totp, now.getTime(), fresh.totp_last_step)
          if (!check.ok) return { code: 'TOKEN_BAD_CREDENTIALS', reason: `totp_${check.reason}`, message: BAD_CREDENTIALS, countsAsFailure: true }
          totpStep = check.step
        }
        if (fresh.status !== 'active') return { code: 'TOKEN_USER_INACTIVE', reason: 'user_inactive', message: `The service user "${fresh.username}" is inactive.`, countsAsFailure: false }
        const key = currentKey(s, fresh.key_id)
        if (!key || !keyUsable(key, now)) {
          return { code: 'TOKEN_KEY_UNUSABLE', reason: 'key_unusable', message: `The API key of "${fresh.username}" cannot be used now (revoked, deleted, inactive, expired or without an active licence).`, countsAsFailure: false }
        }
        const keyPermissions = new Set(JSON.parse(key.permissions) as string[])
        // a key narrowed after the user was set up narrows the user's tokens too
        const scope = [...(JSON.parse(fresh.rest_permissions) as string[]), ...(JSON.parse(fresh.soap_permissions) as string[])].filter((p) => keyPermissions.has(p))
        const signing = currentSigningKey(s, actor, fresh.collection_id)
        const id = uuidv7()
        const iat = Math.floor(now.getTime() / 1000)
        const exp = iat + input.ttlSeconds
        const token = signJwt(
          { alg: 'EdDSA', typ: 'JWT', kid: signing.kid },
          { iss: issuerOf(s.installationId), sub: fresh.id, aud: fresh.collection_id, client_id: fresh.client_id, scope: scope.join(' '), iat, exp, jti: id },
          signingPrivateKey(s, signing),
        )
        const issuedAt = new Date(iat * 1000).toISOString()
        const expiresAt = new Date(exp * 1000).toISOString()
        prepared(s.db, 
            `INSERT INTO tokens (id, user_id, collection_id, key_id, signing_key_id, audience, scope, value, issued_at, expires_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(id, fresh.id, fresh.collection_id, key.id, signing.id, fresh.collection_id, scope.join(' '), seal(s.sealKey, token, valueContext(id)), issuedAt, expiresAt, s.hlc.now())
        // last_token_at is local bookkeeping for the records table: no HLC bump, like key usage
        prepared(s.db, 'UPDATE service_users SET last_token_at = ? , totp_last_step = coalesce(?, totp_last_step) WHERE id = ?').run(issuedAt, totpStep, fresh.id)
        clearFailures(s, subject)
        appendAudit(s, {
          actor,
          action: 'tokens.generate',
          entity: 'service_user',
          entityId: fresh.id,
          details: { tokenId: id, kid: signing.kid, keyId: key.id, collectionId: fresh.collection_id, expiresAt, scope: scope.length, totp: totpStep !== null },
        })
        return { token, id }
      })()
      if ('code' in outcome) refuse(s, actor, subject, user, collectionId, outcome)
      return { token: outcome.token, tokenType: 'Bearer', info: toTokenInfo(readToken(s, outcome.id), s.now()) }
    } finally {
      busy.delete(subject)
    }
  },

  history(s: Session, userId: string, limit: number): TokenInfo[] {
    requireUser(s, userId)
    const now = s.now()
    return (prepared(s.db, `${TOKEN_SELECT} WHERE t.user_id = ? ORDER BY t.issued_at DESC, t.id DESC LIMIT ?`).all(userId, limit) as (TokenRow & { kid: string })[]).map((r) => toTokenInfo(r, now))
  },

  reveal(s: Session, actor: string, id: string): { token: string; info: TokenInfo } {
    return s.db.transaction(() => {
      const row = readToken(s, id)
      const token = unseal(s.sealKey, row.value, valueContext(id)).toString('utf8')
      appendAudit(s, { actor, action: 'tokens.reveal', entity: 'token', entityId: id, details: { userId: row.user_id, kid: row.kid } })
      return { token, info: toTokenInfo(row, s.now()) }
    })()
  },

  /** Immediate and final; revoking a revoked token changes nothing. */
  revoke(s: Session, actor: string, id: string, reason?: string): TokenInfo {
    s.db.transaction(() => {
      const row = readToken(s, id)
      if (row.revoked_at !== null) return
      const why = reason?.trim() || `revoked by ${actor}`
      prepared(s.db, 'UPDATE tokens SET revoked_at = ?, revoked_reason = ?, updated_at = ? WHERE id = ?').run(s.now().toISOString(), why, s.hlc.now(), id)
      appendAudit(s, { actor, action: 'tokens.revoke', entity: 'token', entityId: id, details: { userId: row.user_id, reason: why } })
    })()
    return toTokenInfo(readToken(s, id), s.now())
  },
}
