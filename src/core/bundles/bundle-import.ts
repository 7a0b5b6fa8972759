import type { z } from 'zod'
import type { BundleManifest, ImportSkipReason } from '../../shared/contract/bundles'
import { CLIENT_ID_PATTERN, DEFAULT_PERMISSION_PROFILE, DEFAULT_USER_TYPE } from '../../shared/contract/users'
import { KeywardError } from '../../shared/errors'
import { splitKey, verifyKeyFormat } from '../../shared/key-format'
import type { ApplicationRow } from '../applications/applications'
import { isKnownPermission, normalizePermissions } from '../catalog/catalog'
import { keyDigest } from '../keys/generate-key'
import { cleanAllowedIps, cleanPublicUrl } from '../keys/key-fields'
import type { KeyRow } from '../keys/key-view'
import { adoptKey, refreshAdoptedKey, type AdoptedKey } from '../keys/keys'
import { bindLicence, licenceOfCollection } from '../licences/licences'
import type { Session } from '../session'
import { cleanName } from '../store/names'
import { prepared } from '../store/statements'
import { collections } from '../topology/topology'
import { currentKey } from '../users/user-key'
import { addServiceUser, hasPassword, NO_PASSWORD, users, type UserRow } from '../users/users'

/**
 * What importing an integrator bundle does with its items, after the signature, schema and
 * replay checks in bundles.ts and the topology (region → server → collection, matched or
 * created by id). Everything runs in the caller's one transaction: any refusal leaves the
 * vault exactly as it was.
 *
 * Keys
 * - need the live, active master licence bound to the collection here. None → LICENCE_REQUIRED
 *   naming the collection; the import can bind a new licence of a client named by the caller
 *   (licenceClientId), within the client's tier (LICENCE_LIMIT_REACHED otherwise). There is no
 *   "import as inactive without a licence": every key belongs to a licence (seed 000).
 * - keep their id and secret; the secret must be a well-formed key whose prefix and environment
 *   match the manifest (BUNDLE_MALFORMED), and is stored like a generated one (digest + sealed),
 *   so keys.verify answers VALID for it here.
 * - application kind: matched by id, then by the key's application prefix; a kind known under
 *   neither is refused (APPLICATION_NOT_FOUND) with the prefix to create, because a bundle does
 *   not carry the kind's name or template.
 * - permissions outside this vault's catalog → PERMISSION_UNKNOWN; IP rules and public URL are
 *   checked like keys.create (IP_RULE_INVALID, URL_INVALID).
 * - one active key per (licence, application kind) still holds → KEY_ALREADY_EXISTS_FOR_APPLICATION.
 * - a key already here under the same id and secret is updated field by field (name,
 *   description, audience, permissions, IPs, URL, expiry, active/inactive), or skipped as
 *   UNCHANGED; the same id with another secret or collection, or the same secret under another
 *   id, is BUNDLE_CONFLICT. A key this vault revoked, deleted or rotated is skipped and stays so.
 *   A key whose expiry has passed is skipped (EXPIRED). Group, rotation policy and rate limit
 *   are not in schema 1: new keys take keys.create's defaults.
 * Service users
 * - keep their id and client ID (a client ID used by another user here → BUNDLE_CONFLICT), get
 *   the bundle's username, status, key and REST/SOAP permissions (checked against the key like
 *   users.create), and users.create's defaults for type and permission profile; endpoints are
 *   listed per key in schema 1 and are not assigned to users.
 * - come without a password (bundles never carry one): tokens are refused with
 *   TOKEN_PASSWORD_NOT_SET until an admin sets one; 2FA (whose secret is never exported) must be
 *   set up again. Both are listed in `followUp`.
 * - a user already here (same id and client ID) is updated or skipped as UNCHANGED, keeping its
 *   password; a user whose key is neither in the bundle nor usable here is skipped (KEY_NOT_HERE).
 * Tokens are skipped (TOKEN_NOT_VERIFIABLE): the exporting installation signed them with its
 * collection key and issuer, which this vault cannot verify or revoke. Endpoints and permission
 * entries are for the integrator to read; permission entries must exist in this catalog.
 */

type Kind = 'key' | 'serviceUser' | 'token'
type SkipReason = z.infer<typeof ImportSkipReason>
type BundleKey = BundleManifest['items']['keys'][number]
type BundleUser = BundleManifest['items']['serviceUsers'][number]

export interface Skipped {
  kind: Kind
  id: string
  name: string
  reason: SkipReason
  message: string
}

export interface Tally {
  created: number
  updated: number
  skipped: number
}

export interface ItemsReport {
  items: { keys: Tally; serviceUsers: Tally; tokens: Tally }
  skipped: Skipped[]
  licence: { id: string; clientId: string; bound: boolean } | null
  followUp: { serviceUserId: string; username: string; actions: ('SET_PASSWORD' | 'SET_UP_TOTP')[] }[]
  /** Keys written by the import: the verification index re-reads them after the commit. */
  touchedKeyIds: string[]
}

export interface ImportOptions {
  licenceClientId?: string
  /** Stamped on every audit entry the import writes ({ via: 'bundle', bundleId }). */
  via: { via: 'bundle'; bundleId: string }
}

const tally = (): Tally => ({ created: 0, updated: 0, skipped: 0 })

/** The live application kind of a bundle key: by id, else by the key's application prefix. */
function resolveApplication(s: Session, kindId: string, appPrefix: string, keyName: string): string {
  const live = prepared(s.db, 'SELECT id FROM applications WHERE (id = ? OR prefix = ?) AND deleted_at IS NULL ORDER BY id = ? DESC LIMIT 1').get(kindId, appPrefix, kindId) as
    | Pick<ApplicationRow, 'id'>
    | undefined
  if (live) return live.id
  throw new KeywardError(
    'APPLICATION_NOT_FOUND',
    `Key "${keyName}" is of an application kind this vault does not have (key prefix "${appPrefix}"). Create an application kind with the key prefix "${appPrefix}", then import the bundle again.`,
  )
}

/** The checks of keys.create, applied to what another installation wrote. */
function cleanBundleKey(s: Session, k: BundleKey, collectionId: string): AdoptedKey {
  const name = cleanName(k.name, 'API key')
  const parts = verifyKeyFormat(k.secret) === 'VALID_FORMAT' ? splitKey(k.secret) : undefined
  // the message names the key, never its secret
  if (!parts) throw new KeywardError('BUNDLE_MALFORMED', `Key "${name}" in the bundle carries a secret that is not a valid Keyward key.`)
  if (parts.prefix !== k.prefix || parts.environment !== k.environment) {
    throw new KeywardError('BUNDLE_MALFORMED', `Key "${name}" in the bundle says prefix ${k.prefix}, but its secret starts with ${parts.prefix}.`)
  }
  const expiresAt = k.expiresAt === null ? null : new Date(k.expiresAt)
  if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new KeywardError('BUNDLE_MALFORMED', `Key "${name}" in the bundle has an expiry that is not a date.`)
  return {
    id: k.id,
    collectionId,
    applicationId: resolveApplication(s, k.applicationKind, parts.appPrefix, name),
    name,
    description: k.description,
    audience: k.audience,
    environment: k.environment,
    status: k.status,
    secret: k.secret,
    allowedIps: cleanAllowedIps(k.allowedIps),
    publicUrl: k.publicUrl === null ? null : cleanPublicUrl(k.publicUrl),
    permissions: normalizePermissions(k.permissions),
    expiresAt: expiresAt?.toISOString() ?? null,
  }
}

function assertPermissionEntriesKnown(manifest: BundleManifest): void {
  const unknown = manifest.items.permissions.filter((p) => !isKnownPermission(p.id))
  if (unknown.length) {
    throw new KeywardError(
      'PERMISSION_UNKNOWN',
      `The bundle uses ${unknown.length === 1 ? 'a permission' : `${unknown.length} permissions`} this vault's catalog does not have (${unknown.slice(0, 3).map((p) => `"${p.id}"`).join(', ')}); update Keyward here or ask for a bundle without ${unknown.length === 1 ? 'it' : 'them'}.`,
    )
  }
}

export function importItems(s: Session, actor: string, manifest: BundleManifest, options: ImportOptions): ItemsReport {
  const collection = collections.get(s, manifest.collection.id)
  const now = s.now()
  const report: ItemsReport = { items: { keys: tally(), serviceUsers: tally(), tokens: tally() }, skipped: [], licence: null, followUp: [], touchedKeyIds: [] }
  const skip = (kind: Kind, id: string, name: string, reason: SkipReason, message: string) => {
    report.skipped.push({ kind, id, name, reason, message })
    report.items[kind === 'key' ? 'keys' : kind === 'serviceUser' ? 'serviceUsers' : 'tokens'].skipped++
  }
  assertPermissionEntriesKnown(manifest)

  // The licence: the one bound here, or a new one of the named client.
  let licence = licenceOfCollection(s, collection.id)
  if (options.licenceClientId !== undefined) {
    if (licence && licence.client_id !== options.licenceClientId) {
      throw new KeywardError('COLLECTION_ALREADY_LICENSED', `The collection "${collection.name}" is already bound to master licence ${licence.id} of another client here; import without naming a client to use that licence.`)
    }
    if (!licence) {
      bindLicence(s, actor, options.licenceClientId, collection.id, options.via)
      licence = licenceOfCollection(s, collection.id)!
      report.licence = { id: licence.id, clientId: licence.client_id, bound: true }
    }
  }
  if (licence && !report.licence) report.licence = { id: licence.id, clientId: licence.client_id, bound: false }
  const requireLicenceForKeys = () => {
    if (licence?.status === 'active') return
    const count = manifest.items.keys.length
    throw new KeywardError(
      'LICENCE_REQUIRED',
      licence
        ? `The master licence of the collection "${collection.name}" is inactive here, and the bundle's ${count} API key${count === 1 ? '' : 's'} need an active one; activate it, then import again.`
        : `The collection "${collection.name}" (${collection.id}) has no master licence here, and the bundle's ${count} API key${count === 1 ? '' : 's'} need one. ` +
            `Name the client whose licence it is when importing (licence client; CLI --licence-client <client id>) to bind one as part of the import, or bind one under Clients & licences and import again.`,
    )
  }

  for (const k of manifest.items.keys) {
    const existing = prepared(s.db, 'SELECT * FROM api_keys WHERE id = ?').get(k.id) as KeyRow | undefined
    const expired = k.expiresAt !== null && Date.parse(k.expiresAt) <= now.getTime()
    if (existing) {
      if (existing.collection_id !== collection.id || !existing.digest.equals(keyDigest(k.secret))) {
        throw new KeywardError('BUNDLE_CONFLICT', `This vault has a different API key under the id of "${k.name}" (${k.id}); the two cannot both be kept.`)
      }
      if (existing.deleted_at !== null) skip('key', k.id, k.name, 'DELETED_HERE', `"${existing.name}" was deleted in this vault; an import does not bring it back.`)
      else if (existing.status === 'revoked') skip('key', k.id, k.name, 'REVOKED_HERE', `"${existing.name}" is revoked in this vault, and revoked is final.`)
      else if (existing.grace_until !== null) skip('key', k.id, k.name, 'REPLACED_HERE', `"${existing.name}" was rotated in this vault; its successor is the key to change.`)
      else if (expired) skip('key', k.id, k.name, 'EXPIRED', `"${k.name}" expired on ${k.expiresAt}; nothing to update.`)
      else {
        const clean = cleanBundleKey(s, k, collection.id)
        if (clean.applicationId !== existing.application_id) {
          throw new KeywardError('BUNDLE_CONFLICT', `Key "${k.name}" belongs to another application kind here than in the bundle.`)
        }
        if (refreshAdoptedKey(s, actor, existing, clean, options.via).length > 0) {
          report.items.keys.updated++
          report.touchedKeyIds.push(k.id)
        } else skip('key', k.id, k.name, 'UNCHANGED', `"${k.name}" is already here as in the bundle.`)
      }
      continue
    }
    const twin = prepared(s.db, 'SELECT id, name FROM api_keys WHERE digest = ?').get(keyDigest(k.secret)) as { id: string; name: string } | undefined
    if (twin) throw new KeywardError('BUNDLE_CONFLICT', `The secret of key "${k.name}" is already stored here as key "${twin.name}" (${twin.id}), under another id.`)
    if (expired) {
      skip('key', k.id, k.name, 'EXPIRED', `"${k.name}" expired on ${k.expiresAt}, before this import; it was not created.`)
      continue
    }
    const clean = cleanBundleKey(s, k, collection.id)
    requireLicenceForKeys()
    adoptKey(s, actor, clean, options.via)
    report.items.keys.created++
    report.touchedKeyIds.push(k.id)
  }

  for (const u of manifest.items.serviceUsers) importUser(s, actor, u, collection.id, options, report, skip)

  const usernames = new Map(manifest.items.serviceUsers.map((u) => [u.id, u.username]))
  for (const t of manifest.items.tokens) {
    skip(
      'token',
      t.id,
      usernames.get(t.serviceUserId) ?? t.serviceUserId,
      'TOKEN_NOT_VERIFIABLE',
      `Signed by the exporting installation's collection key ${t.kid}, which this vault cannot verify or revoke; generate a new token here instead.`,
    )
  }
  return report
}

function importUser(
  s: Session,
  actor: string,
  u: BundleUser,
  collectionId: string,
  options: ImportOptions,
  report: ItemsReport,
  skip: (kind: Kind, id: string, name: string, reason: SkipReason, message: string) => void,
): void {
  if (!CLIENT_ID_PATTERN.test(u.clientId)) throw new KeywardError('BUNDLE_MALFORMED', `Service user "${u.username}" in the bundle has a client ID that is not a Keyward client ID.`)
  const existing = prepared(s.db, 'SELECT * FROM service_users WHERE id = ?').get(u.id) as UserRow | undefined
  if (existing && (existing.collection_id !== collectionId || existing.client_id !== u.clientId)) {
    throw new KeywardError('BUNDLE_CONFLICT', `This vault has a different service user under the id of "${u.username}" (${u.id}).`)
  }
  if (!existing) {
    const holder = prepared(s.db, 'SELECT username FROM service_users WHERE client_id = ?').get(u.clientId) as { username: string } | undefined
    if (holder) throw new KeywardError('BUNDLE_CONFLICT', `The client ID of service user "${u.username}" already belongs to "${holder.username}" here; client IDs are never shared.`)
  }
  if (existing?.deleted_at) return skip('serviceUser', u.id, u.username, 'DELETED_HERE', `"${existing.username}" was deleted in this vault; an import does not bring it back.`)
  const key = currentKey(s, u.keyId)
  if (!key || key.collection_id !== collectionId || key.deleted_at !== null || key.status === 'revoked') {
    return skip('serviceUser', u.id, u.username, 'KEY_NOT_HERE', `The API key of "${u.username}" is neither in the bundle nor usable in this vault; import or create the key, then the user.`)
  }
  const actions: ('SET_PASSWORD' | 'SET_UP_TOTP')[] = []
  if (existing) {
    const before = existing.updated_at
    users.update(s, actor, { id: u.id, username: u.username, keyId: key.id, restPermissions: u.restPermissions, soapPermissions: u.soapPermissions })
    users.setStatus(s, actor, u.id, u.status)
    const after = (prepared(s.db, 'SELECT updated_at FROM service_users WHERE id = ?').get(u.id) as { updated_at: string }).updated_at
    if (after !== before) report.items.serviceUsers.updated++
    else skip('serviceUser', u.id, u.username, 'UNCHANGED', `"${u.username}" is already here as in the bundle.`)
    if (!hasPassword(existing)) actions.push('SET_PASSWORD')
    if (u.authMethod === 'password_totp' && existing.auth_method !== 'password_totp') actions.push('SET_UP_TOTP')
  } else {
    addServiceUser(
      s,
      actor,
      {
        collectionId,
        keyId: key.id,
        username: u.username,
        status: u.status,
        type: DEFAULT_USER_TYPE,
        permissionProfile: DEFAULT_PERMISSION_PROFILE,
        restPermissions: u.restPermissions,
        soapPermissions: u.soapPermissions,
      },
      NO_PASSWORD,
      { passwordGenerated: false, adopted: { id: u.id, clientId: u.clientId, via: options.via } },
    )
    report.items.serviceUsers.created++
    actions.push('SET_PASSWORD')
    if (u.authMethod === 'password_totp') actions.push('SET_UP_TOTP')
  }
  if (actions.length) report.followUp.push({ serviceUserId: u.id, username: u.username, actions })
}
