import { v7 as uuidv7 } from 'uuid'
import type { AuthMethod, PermissionProfile, ServiceUser, TotpProvisioning, UserStatus, UserType } from '../../shared/contract/users'
import { KeywardError } from '../../shared/errors'
import { appendAudit } from '../audit/audit-log'
import { randomBase62 } from '../keys/generate-key'
import type { Session } from '../session'
import { requireLiveRow, tombstone } from '../store/rows'
import { seal, unseal } from '../store/seal'
import { collections } from '../topology/topology'
import { assertStrongPassword, generatePassword, hashPassword } from './passwords'
import { checkTotp, newTotpSecret, totpProvisioning } from './totp'
import { cleanContact, cleanEndpoint, cleanUsername, cleanUserPermissions, assertContactFits } from './user-fields'
import { currentKey, headOf, keysOfCollections, requireAssignableKey, type KeyFacts } from './user-key'
import { prepared } from '../store/statements'

export interface UserRow {
  id: string
  region_id: string
  collection_id: string
  key_id: string
  username: string
  username_lc: string
  client_id: string
  password_hash: string
  password_set_at: string
  status: UserStatus
  type: UserType
  contact: string | null
  permission_profile: PermissionProfile
  auth_method: AuthMethod
  totp_secret: Buffer | null
  totp_pending: Buffer | null
  totp_last_step: number | null
  rest_permissions: string
  rest_endpoint: string | null
  soap_permissions: string
  soap_endpoint: string | null
  last_token_at: string | null
  created_at: string
  updated_at: string
  deleted_at: string | null
}

/**
 * The stored password hash of a user that has no password yet: a user imported from an
 * integrator bundle (bundles never carry passwords). It is no PHC string, so no password ever
 * matches it, and token generation refuses such a user with TOKEN_PASSWORD_NOT_SET until
 * users.resetPassword sets one. The marker lives in password_hash itself so that it travels
 * wherever the hash does (sync included).
 */
export const NO_PASSWORD = ''
export const hasPassword = (row: Pick<UserRow, 'password_hash'>): boolean => row.password_hash !== NO_PASSWORD

export type TotpColumn = 'totp_secret' | 'totp_pending'
export const totpSealContext = (id: string, column: TotpColumn) => ({ table: 'service_users', column, rowId: id })

export function requireUser(s: Session, id: string): UserRow {
  return requireLiveRow<UserRow>(s, 'service_users', id, 'USER_NOT_FOUND', 'service user')
}

/** The live user `username` (any case) of a collection, if there is one. */
export function userByUsername(s: Session, collectionId: string, username: string): UserRow | undefined {
  return prepared(s.db, 'SELECT * FROM service_users WHERE collection_id = ? AND username_lc = ? AND deleted_at IS NULL').get(collectionId, username.normalize('NFC').trim().toLowerCase()) as
    | UserRow
    | undefined
}

export function toServiceUser(row: UserRow, currentKeyId: string): ServiceUser {
  return {
    id: row.id,
    regionId: row.region_id,
    collectionId: row.collection_id,
    keyId: currentKeyId,
    username: row.username,
    clientId: row.client_id,
    status: row.status,
    type: row.type,
    contact: row.contact,
    permissionProfile: row.permission_profile,
    authMethod: row.auth_method,
    totpPending: row.totp_pending !== null,
    restPermissions: JSON.parse(row.rest_permissions) as string[],
    restEndpoint: row.rest_endpoint,
    soapPermissions: JSON.parse(row.soap_permissions) as string[],
    soapEndpoint: row.soap_endpoint,
    passwordSetAt: hasPassword(row) ? row.password_set_at : null,
    lastTokenAt: row.last_token_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

const view = (s: Session, row: UserRow): ServiceUser => toServiceUser(row, currentKey(s, row.key_id)?.id ?? row.key_id)
const read = (s: Session, id: string): ServiceUser => view(s, requireUser(s, id))

function assertUsernameFree(s: Session, collectionId: string, username: string, exceptId: string | null): void {
  const clash = prepared(s.db, 'SELECT username FROM service_users WHERE collection_id = ? AND username_lc = ? AND deleted_at IS NULL AND id IS NOT ?')
    .get(collectionId, username.toLowerCase(), exceptId) as { username: string } | undefined
  if (clash) throw new KeywardError('USERNAME_TAKEN', `The collection already has a service user "${clash.username}" (usernames are compared without case).`)
}

/** `kw_` + 20 base62 characters, unique for ever (tombstoned users keep theirs). */
function newClientId(s: Session): string {
  const taken = prepared(s.db, 'SELECT 1 FROM service_users WHERE client_id = ?')
  for (;;) {
    const id = `kw_${randomBase62(20)}`
    if (!taken.get(id)) return id
  }
}

const keyPermissionSet = (key: KeyFacts) => new Set(JSON.parse(key.permissions) as string[])

/** Live tokens of a user end now (delete, password reset). Inside the caller's transaction. */
function revokeTokensOf(s: Session, userId: string, reason: string): number {
  return prepared(s.db, 'UPDATE tokens SET revoked_at = ?, revoked_reason = ?, updated_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?')
    .run(s.now().toISOString(), reason, s.hlc.now(), userId, s.now().toISOString()).changes
}

export interface NewUserFields {
  collectionId: string
  keyId: string
  username: string
  status: UserStatus
  type: UserType
  contact?: string | null
  permissionProfile: PermissionProfile
  restPermissions: readonly string[]
  restEndpoint?: string | null
  soapPermissions: readonly string[]
  soapEndpoint?: string | null
}

/** A user made by another installation, taken over under its own id and client ID (bundle import). */
export interface AdoptedIdentity {
  id: string
  clientId: string
  /** Why it was not created here, for the audit entry (e.g. { via: 'bundle', bundleId }). */
  via: Record<string, unknown>
}

export interface AddedUser {
  id: string
  username: string
  collectionName: string
}

/**
 * The synchronous heart of users.create: checks every field against the store, writes the
 * row and its audit entry. The password arrives already hashed (Argon2 is asynchronous and
 * must not run inside a transaction); `totpPending` is a fresh secret when 2FA setup starts
 * with the user. Runs inside the caller's transaction.
 */
export function addServiceUser(
  s: Session,
  actor: string,
  fields: NewUserFields,
  passwordHash: string,
  options: { passwordGenerated: boolean; totpPending?: Buffer; adopted?: AdoptedIdentity },
): AddedUser {
  const username = cleanUsername(fields.username)
  const contact = cleanContact(fields.contact)
  const restEndpoint = cleanEndpoint(fields.restEndpoint, 'REST')
  const soapEndpoint = cleanEndpoint(fields.soapEndpoint, 'SOAP')
  assertContactFits(fields.type, contact)
  const collection = collections.get(s, fields.collectionId)
  const key = requireAssignableKey(s, fields.keyId, collection.id)
  const allowed = keyPermissionSet(key)
  const rest = cleanUserPermissions(fields.restPermissions, 'REST', allowed, key.name)
  const soap = cleanUserPermissions(fields.soapPermissions, 'SOAP', allowed, key.name)
  assertUsernameFree(s, collection.id, username, null)
  const id = options.adopted?.id ?? uuidv7()
  const clientId = options.adopted?.clientId ?? newClientId(s)
  const now = s.now().toISOString()
  prepared(s.db, 
      `INSERT INTO service_users (id, region_id, collection_id, key_id, username, username_lc, client_id, password_hash, password_set_at, status, type,
         contact, permission_profile, auth_method, totp_pending, rest_permissions, rest_endpoint, soap_permissions, soap_endpoint, created_at, updated_at)
       VALUES (@id, @regionId, @collectionId, @keyId, @username, @usernameLc, @clientId, @passwordHash, @now, @status, @type,
         @contact, @permissionProfile, 'password', @totpPending, @rest, @restEndpoint, @soap, @soapEndpoint, @now, @stamp)`,
    )
    .run({
      id,
      regionId: collection.regionId,
      collectionId: collection.id,
      keyId: key.id,
      username,
      usernameLc: username.toLowerCase(),
      clientId,
      passwordHash,
      now,
      status: fields.status,
      type: fields.type,
      contact,
      permissionProfile: fields.permissionProfile,
      totpPending: options.totpPending ? seal(s.sealKey, options.totpPending, totpSealContext(id, 'totp_pending')) : null,
      rest: JSON.stringify(rest),
      restEndpoint,
      soap: JSON.stringify(soap),
      soapEndpoint,
      stamp: s.hlc.now(),
    })
  appendAudit(s, {
    actor,
    action: 'users.create',
    entity: 'service_user',
    entityId: id,
    details: {
      username,
      clientId,
      collectionId: collection.id,
      keyId: key.id,
      status: fields.status,
      type: fields.type,
      permissionProfile: fields.permissionProfile,
      restPermissions: rest.length,
      soapPermissions: soap.length,
      passwordGenerated: options.passwordGenerated,
      totpSetup: options.totpPending !== undefined,
      ...(options.adopted ? { ...options.adopted.via, passwordSet: passwordHash !== NO_PASSWORD } : {}),
    },
  })
  return { id, username, collectionName: collection.name }
}

const totpLabel = (username: string, collectionName: string) => `${username} (${collectionName})`

export interface CreateUserInput extends NewUserFields {
  password?: string
  authMethod: AuthMethod
}

export interface UpdateUserInput {
  id: string
  username?: string
  keyId?: string
  type?: UserType
  contact?: string | null
  permissionProfile?: PermissionProfile
  restPermissions?: string[]
  restEndpoint?: string | null
  soapPermissions?: string[]
  soapEndpoint?: string | null
}

export const users = {
  get: read,

  list(s: Session, scope: { collectionId: string } | { keyId: string }): ServiceUser[] {
    let collectionId: string
    let headId: string | undefined
    if ('collectionId' in scope) {
      collectionId = collections.get(s, scope.collectionId).id
    } else {
      const key = currentKey(s, scope.keyId)
      if (!key) throw new KeywardError('KEY_NOT_FOUND', `No API key with id ${scope.keyId} exists.`)
      collectionId = key.collection_id
      headId = key.id
    }
    const keys = keysOfCollections(s, [collectionId])
    const rows = prepared(s.db, 'SELECT * FROM service_users WHERE collection_id = ? AND deleted_at IS NULL ORDER BY username_lc, id').all(collectionId) as UserRow[]
    return rows
      .map((row) => {
        const key = keys.get(row.key_id)
        return toServiceUser(row, key ? headOf(key, keys).id : row.key_id)
      })
      .filter((u) => headId === undefined || u.keyId === headId)
  },

  async create(s: Session, actor: string, input: CreateUserInput): Promise<{ user: ServiceUser; password: string | null; totp: TotpProvisioning | null }> {
    const username = cleanUsername(input.username)
    if (input.password !== undefined) assertStrongPassword(input.password, username)
    const password = input.password ?? generatePassword()
    const passwordHash = await hashPassword(password)
    const totpPending = input.authMethod === 'password_totp' ? newTotpSecret() : undefined
    const added = s.db.transaction(() => addServiceUser(s, actor, { ...input, username }, passwordHash, { passwordGenerated: input.password === undefined, totpPending }))()
    const totp = totpPending ? await totpProvisioning(totpPending, totpLabel(added.username, added.collectionName)) : null
    return { user: read(s, added.id), password: input.password === undefined ? password : null, totp }
  },

  update(s: Session, actor: string, input: UpdateUserInput): ServiceUser {
    const username = input.username === undefined ? undefined : cleanUsername(input.username)
    const contactGiven = input.contact !== undefined
    const contact = contactGiven ? cleanContact(input.contact) : undefined
    const restEndpoint = input.restEndpoint === undefined ? undefined : cleanEndpoint(input.restEndpoint, 'REST')
    const soapEndpoint = input.soapEndpoint === undefined ? undefined : cleanEndpoint(input.soapEndpoint, 'SOAP')
    s.db.transaction(() => {
      const row = requireUser(s, input.id)
      if (username !== undefined) assertUsernameFree(s, row.collection_id, username, row.id)
      const type = input.type ?? row.type
      assertContactFits(type, contactGiven ? contact! : row.contact)
      let keyId = row.key_id
      let rest: string[] | undefined
      let soap: string[] | undefined
      // permissions are checked against the key whenever either of them changes
      if (input.keyId !== undefined || input.restPermissions !== undefined || input.soapPermissions !== undefined) {
        const key = input.keyId !== undefined ? requireAssignableKey(s, input.keyId, row.collection_id) : currentKey(s, row.key_id)
        if (!key) throw new KeywardError('USER_KEY_INVALID', `The API key of "${row.username}" no longer exists; choose another key.`)
        const allowed = keyPermissionSet(key)
        rest = cleanUserPermissions(input.restPermissions ?? (JSON.parse(row.rest_permissions) as string[]), 'REST', allowed, key.name)
        soap = cleanUserPermissions(input.soapPermissions ?? (JSON.parse(row.soap_permissions) as string[]), 'SOAP', allowed, key.name)
        if (input.keyId !== undefined) keyId = key.id
      }
      const next: Partial<Record<keyof UserRow, unknown>> = {
        username,
        username_lc: username?.toLowerCase(),
        key_id: keyId,
        type: input.type,
        contact,
        permission_profile: input.permissionProfile,
        rest_permissions: rest && JSON.stringify(rest),
        rest_endpoint: restEndpoint,
        soap_permissions: soap && JSON.stringify(soap),
        soap_endpoint: soapEndpoint,
      }
      const changed = (Object.keys(next) as (keyof UserRow)[]).filter((c) => next[c] !== undefined && next[c] !== row[c])
      if (changed.length === 0) return
      const sets = changed.map((c) => `${c} = @${c}`).join(', ')
      prepared(s.db, `UPDATE service_users SET ${sets}, updated_at = @updatedAt WHERE id = @id`).run({ ...Object.fromEntries(changed.map((c) => [c, next[c]])), id: row.id, updatedAt: s.hlc.now() })
      appendAudit(s, {
        actor,
        action: 'users.update',
        entity: 'service_user',
        entityId: row.id,
        details: { fields: changed.filter((c) => c !== 'username_lc'), ...(username !== undefined && username !== row.username ? { from: row.username, to: username } : {}) },
      })
    })()
    return read(s, input.id)
  },

  setStatus(s: Session, actor: string, id: string, status: UserStatus): ServiceUser {
    s.db.transaction(() => {
      const row = requireUser(s, id)
      if (row.status === status) return
      prepared(s.db, 'UPDATE service_users SET status = ?, updated_at = ? WHERE id = ?').run(status, s.hlc.now(), id)
      appendAudit(s, { actor, action: 'users.setStatus', entity: 'service_user', entityId: id, details: { from: row.status, to: status } })
    })()
    return read(s, id)
  },

  remove(s: Session, actor: string, id: string): { done: true } {
    s.db.transaction(() => {
      const row = requireUser(s, id)
      const revokedTokens = revokeTokensOf(s, id, 'service user deleted')
      tombstone(s, 'service_users', id)
      appendAudit(s, { actor, action: 'users.delete', entity: 'service_user', entityId: id, details: { username: row.username, clientId: row.client_id, revokedTokens } })
    })()
    return { done: true }
  },

  /** A new password ends the user's live tokens and its login back-off. */
  async resetPassword(s: Session, actor: string, id: string, given?: string): Promise<{ user: ServiceUser; password: string | null }> {
    const before = requireUser(s, id)
    if (given !== undefined) assertStrongPassword(given, before.username)
    const password = given ?? generatePassword()
    const passwordHash = await hashPassword(password)
    s.db.transaction(() => {
      requireUser(s, id) // it may have been deleted while the hash was computed
      prepared(s.db, 'UPDATE service_users SET password_hash = ?, password_set_at = ?, updated_at = ? WHERE id = ?').run(passwordHash, s.now().toISOString(), s.hlc.now(), id)
      const revokedTokens = revokeTokensOf(s, id, 'password reset')
      prepared(s.db, 'DELETE FROM token_login_throttle WHERE subject = ?').run(id)
      appendAudit(s, { actor, action: 'users.resetPassword', entity: 'service_user', entityId: id, details: { passwordGenerated: given === undefined, revokedTokens } })
    })()
    return { user: read(s, id), password: given === undefined ? password : null }
  },

  /** A new secret waits in totp_pending; the current one (if any) stays enforced until confirmation. */
  async setupTotp(s: Session, actor: string, id: string): Promise<{ user: ServiceUser; totp: TotpProvisioning }> {
    const secret = newTotpSecret()
    const row = s.db.transaction(() => {
      const user = requireUser(s, id)
      prepared(s.db, 'UPDATE service_users SET totp_pending = ?, updated_at = ? WHERE id = ?').run(seal(s.sealKey, secret, totpSealContext(id, 'totp_pending')), s.hlc.now(), id)
      appendAudit(s, { actor, action: 'users.setupTotp', entity: 'service_user', entityId: id, details: { replacing: user.auth_method === 'password_totp' } })
      return user
    })()
    const totp = await totpProvisioning(secret, totpLabel(row.username, collections.get(s, row.collection_id).name))
    return { user: read(s, id), totp }
  },

  confirmTotp(s: Session, actor: string, id: string, code: string): ServiceUser {
    s.db.transaction(() => {
      const row = requireUser(s, id)
      if (row.totp_pending === null) throw new KeywardError('TOTP_NOT_PENDING', `"${row.username}" has no TOTP setup waiting for confirmation; start one with users.setupTotp.`)
      const secret = unseal(s.sealKey, row.totp_pending, totpSealContext(id, 'totp_pending'))
      const check = checkTotp(secret, code, s.now().getTime(), null)
      if (!check.ok) throw new KeywardError('TOTP_CODE_INVALID', check.reason === 'malformed' ? 'A TOTP code is 6 digits.' : 'That code does not match the new secret; check the authenticator\'s clock and try the current code.')
      prepared(s.db, `UPDATE service_users SET totp_secret = ?, totp_pending = NULL, totp_last_step = ?, auth_method = 'password_totp', updated_at = ? WHERE id = ?`)
        .run(seal(s.sealKey, secret, totpSealContext(id, 'totp_secret')), check.step, s.hlc.now(), id)
      appendAudit(s, { actor, action: 'users.confirmTotp', entity: 'service_user', entityId: id, details: { authMethod: 'password_totp' } })
    })()
    return read(s, id)
  },

  disableTotp(s: Session, actor: string, id: string): ServiceUser {
    s.db.transaction(() => {
      const row = requireUser(s, id)
      if (row.auth_method === 'password' && row.totp_pending === null) throw new KeywardError('TOTP_NOT_ENABLED', `"${row.username}" does not use TOTP.`)
      prepared(s.db, `UPDATE service_users SET auth_method = 'password', totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL, updated_at = ? WHERE id = ?`).run(s.hlc.now(), id)
      appendAudit(s, { actor, action: 'users.disableTotp', entity: 'service_user', entityId: id, details: { from: row.auth_method, pendingDropped: row.totp_pending !== null } })
    })()
    return read(s, id)
  },
}
