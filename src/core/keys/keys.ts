import { v7 as uuidv7 } from 'uuid'
import { DEFAULT_ROTATION_DAYS, type ApiKey } from '../../shared/contract/keys'
import { KeywardError } from '../../shared/errors'
import { keyHint, keyPrefix, splitKey, type KeyEnvironment } from '../../shared/key-format'
import type { VerifyResult } from '../../shared/verify-codes'
import { requireApplication } from '../applications/applications'
import { appendAudit } from '../audit/audit-log'
import { normalizePermissions } from '../catalog/catalog'
import { licenceOfCollection, type LicenceRow } from '../licences/licences'
import type { Session } from '../session'
import { cleanName } from '../store/names'
import { requireLiveRow, tombstone } from '../store/rows'
import { seal, unseal } from '../store/seal'
import { collections } from '../topology/topology'
import { generateKey, keyDigest } from './generate-key'
import { cleanAllowedIps, cleanExpiry, cleanPublicUrl } from './key-fields'
import { requireGroupOf } from './key-groups'
import { effectiveStatus, toApiKey, type KeyRow } from './key-view'
import { prepared } from '../store/statements'

const HOUR_MS = 3_600_000

export interface CreateKeyInput {
  collectionId: string
  applicationKind: string
  name: string
  description: string
  audience: 'client' | 'business'
  environment: KeyEnvironment
  groupId?: string
  allowedIps: string[]
  publicUrl?: string
  permissions?: string[]
  expiresAt?: string
  rotationDays: number
  rateLimitPerMinute?: number
  active: boolean
}

export interface UpdateKeyInput {
  id: string
  name?: string
  description?: string
  audience?: 'client' | 'business'
  groupId?: string | null
  allowedIps?: string[]
  publicUrl?: string | null
  permissions?: string[]
  expiresAt?: string | null
  rotationDays?: number
  rateLimitPerMinute?: number | null
}

export function requireKey(s: Session, id: string): KeyRow {
  return requireLiveRow<KeyRow>(s, 'api_keys', id, 'KEY_NOT_FOUND', 'API key')
}

/** Public fingerprint for audit entries: a prefix of the lookup digest, never the secret. */
const fingerprint = (digest: Buffer) => digest.toString('hex').slice(0, 16)
export const sealContext = (id: string) => ({ table: 'api_keys', column: 'secret', rowId: id })

/** A key needs the live, active master licence bound to its collection (seed 000). */
export function requireUsableLicence(s: Session, collectionId: string): LicenceRow {
  const licence = licenceOfCollection(s, collectionId)
  if (!licence) {
    const { name } = collections.get(s, collectionId)
    throw new KeywardError('LICENCE_REQUIRED', `The collection "${name}" has no master licence; bind one of the client's licences to it first.`)
  }
  if (licence.status !== 'active') {
    const { name } = collections.get(s, collectionId)
    throw new KeywardError('LICENCE_REQUIRED', `The master licence of the collection "${name}" is inactive; activate it first.`)
  }
  return licence
}

/**
 * One active key per (licence, application kind). The partial unique index
 * api_keys_one_active_per_application enforces it in the store; this check says so clearly.
 */
export function assertSlotFree(s: Session, licenceId: string, applicationId: string, exceptId: string | null): void {
  const holder = prepared(s.db, 
      `SELECT id, name, hint FROM api_keys WHERE licence_id = ? AND application_id = ? AND status = 'active'
       AND deleted_at IS NULL AND grace_until IS NULL AND id IS NOT ?`,
    )
    .get(licenceId, applicationId, exceptId) as { id: string; name: string; hint: string } | undefined
  if (holder) {
    const app = requireApplication(s, applicationId)
    throw new KeywardError(
      'KEY_ALREADY_EXISTS_FOR_APPLICATION',
      `This licence already has an active ${app.name} key, "${holder.name}" (${holder.hint}); rotate it, or deactivate or revoke it first.`,
    )
  }
}

function assertChangeable(row: KeyRow): void {
  if (row.status === 'revoked') throw new KeywardError('KEY_REVOKED', `The key "${row.name}" is revoked; a revoked key cannot be changed or reactivated.`)
  if (row.grace_until !== null) {
    throw new KeywardError('KEY_ROTATED', `The key "${row.name}" was replaced by rotation; change its successor instead (you can still revoke it to end its grace period).`)
  }
}

function cleanKeyName(raw: string): string {
  return cleanName(raw, 'API key')
}

const read = (s: Session, id: string): ApiKey => toApiKey(s, requireKey(s, id))

interface NewKeyRow {
  id: string
  collectionId: string
  licenceId: string
  applicationId: string
  groupId: string | null
  name: string
  description: string
  audience: string
  environment: KeyEnvironment
  status: 'active' | 'inactive'
  allowedIps: string[]
  publicUrl: string | null
  permissions: string[]
  expiresAt: string | null
  rotationDays: number
  rateLimitPerMinute: number | null
  predecessorId: string | null
}

/**
 * Writes the row: digest for lookup, sealed plaintext, hint. The secret is generated for
 * `prefix` unless one is given (a key adopted from a bundle keeps its secret).
 */
function insertKey(s: Session, prefix: string, k: NewKeyRow, secret: string = generateKey(prefix)): { secret: string; digest: Buffer; prefix: string } {
  const digest = keyDigest(secret)
  const createdAt = s.now().toISOString()
  prepared(s.db, 
      `INSERT INTO api_keys (id, collection_id, licence_id, application_id, group_id, name, description, audience, environment, status,
         prefix, hint, digest, secret, allowed_ips, public_url, permissions, expires_at, rotation_days, rate_limit_per_minute,
         predecessor_id, created_at, updated_at)
       VALUES (@id, @collectionId, @licenceId, @applicationId, @groupId, @name, @description, @audience, @environment, @status,
         @prefix, @hint, @digest, @sealed, @allowedIps, @publicUrl, @permissions, @expiresAt, @rotationDays, @rateLimitPerMinute,
         @predecessorId, @createdAt, @updatedAt)`,
    )
    .run({
      ...k,
      prefix,
      hint: keyHint(secret),
      digest,
      sealed: seal(s.sealKey, secret, sealContext(k.id)),
      allowedIps: JSON.stringify(k.allowedIps),
      permissions: JSON.stringify(k.permissions),
      createdAt,
      updatedAt: s.hlc.now(),
    })
  return { secret, digest, prefix }
}

/**
 * Writes the columns of `next` that differ from `row` (undefined = leave as is) with one HLC
 * stamp and one audit entry; returns the changed columns. Inside the caller's transaction.
 */
function writeKeyChanges(s: Session, actor: string, row: KeyRow, next: Partial<Record<keyof KeyRow, unknown>>, via: Record<string, unknown> = {}): string[] {
  const changed = (Object.keys(next) as (keyof KeyRow)[]).filter((c) => next[c] !== undefined && next[c] !== row[c])
  if (changed.length === 0) return []
  const sets = changed.map((c) => `${c} = @${c}`).join(', ')
  prepared(s.db, `UPDATE api_keys SET ${sets}, updated_at = @updatedAt WHERE id = @id`).run({ ...Object.fromEntries(changed.map((c) => [c, next[c]])), id: row.id, updatedAt: s.hlc.now() })
  // field names only: values such as IP lists and URLs are not secrets, but the audit
  // trail records what changed and who did it, and the row itself holds the values
  appendAudit(s, { actor, action: 'keys.update', entity: 'api_key', entityId: row.id, details: { fields: changed, ...via } })
  return changed
}

/** A key made by another installation, as an integrator bundle carries it, its fields already cleaned. */
export interface AdoptedKey {
  id: string
  collectionId: string
  applicationId: string
  name: string
  description: string
  audience: 'client' | 'business'
  environment: KeyEnvironment
  status: 'active' | 'inactive'
  secret: string
  allowedIps: string[]
  publicUrl: string | null
  permissions: string[]
  expiresAt: string | null
}

/**
 * Takes over a key made by another installation under its own id and secret (bundle import),
 * under the rules of keys.create: the live, active licence of its collection, and one active
 * key per (licence, application kind). The secret is stored exactly like a generated one
 * (digest for lookup, sealed plaintext), so keys.verify knows it. Settings a bundle does not
 * carry take keys.create's defaults (no group, rotation every DEFAULT_ROTATION_DAYS, no rate
 * limit). Inside the caller's transaction; the caller refreshes the index after the commit.
 */
export function adoptKey(s: Session, actor: string, k: AdoptedKey, via: Record<string, unknown>): void {
  const app = requireApplication(s, k.applicationId)
  const licence = requireUsableLicence(s, k.collectionId)
  if (k.status === 'active') assertSlotFree(s, licence.id, app.id, null)
  const prefix = splitKey(k.secret)?.prefix
  if (!prefix) throw new KeywardError('BUNDLE_MALFORMED', `The secret of key "${k.name}" is not a Keyward key.`)
  const { digest } = insertKey(
    s,
    prefix,
    {
      ...k,
      licenceId: licence.id,
      applicationId: app.id,
      groupId: null,
      rotationDays: DEFAULT_ROTATION_DAYS,
      rateLimitPerMinute: null,
      predecessorId: null,
    },
    k.secret,
  )
  appendAudit(s, {
    actor,
    action: 'keys.import',
    entity: 'api_key',
    entityId: k.id,
    details: { name: k.name, collectionId: k.collectionId, licenceId: licence.id, applicationKind: app.id, prefix, fingerprint: fingerprint(digest), status: k.status, ...via },
  })
}

/**
 * Brings a key this vault already has (same id, same secret) in line with a bundle's copy:
 * descriptive fields, permissions, network rules, expiry and active/inactive, under the same
 * rules as keys.update and keys.setStatus. Returns the changed columns (none: unchanged).
 */
export function refreshAdoptedKey(s: Session, actor: string, row: KeyRow, k: AdoptedKey, via: Record<string, unknown>): string[] {
  assertChangeable(row)
  const next: Partial<Record<keyof KeyRow, unknown>> = {
    name: k.name,
    description: k.description,
    audience: k.audience,
    allowed_ips: JSON.stringify(k.allowedIps),
    public_url: k.publicUrl,
    permissions: JSON.stringify(k.permissions),
    expires_at: k.expiresAt,
  }
  if (k.status !== row.status) {
    if (k.status === 'active') {
      const licence = requireUsableLicence(s, row.collection_id)
      assertSlotFree(s, licence.id, row.application_id, row.id)
      Object.assign(next, { status: 'active', status_reason: null, licence_id: licence.id })
    } else {
      Object.assign(next, { status: 'inactive', status_reason: `inactive in bundle ${String(via.bundleId)}` })
    }
  }
  // a column that is null on both sides compares equal; undefined means "leave it"
  for (const c of ['public_url', 'expires_at', 'status_reason'] as const) if (next[c] === null && row[c] === null) delete next[c]
  return writeKeyChanges(s, actor, row, next, via)
}

/** After a commit: the verification index re-reads the changed keys. */
function committed(s: Session, ids: string[]): void {
  s.keyIndex.refreshKeys(ids)
}

export const keys = {
  get: read,

  list(s: Session, filter: { collectionId?: string; licenceId?: string; groupId?: string; applicationKind?: string; status?: ApiKey['status'] }): ApiKey[] {
    const rows = prepared(s.db, 
        `SELECT * FROM api_keys WHERE deleted_at IS NULL
         AND (@collectionId IS NULL OR collection_id = @collectionId)
         AND (@licenceId IS NULL OR licence_id = @licenceId)
         AND (@groupId IS NULL OR group_id = @groupId)
         AND (@applicationKind IS NULL OR application_id = @applicationKind)
         ORDER BY name COLLATE NOCASE, created_at, id`,
      )
      .all({
        collectionId: filter.collectionId ?? null,
        licenceId: filter.licenceId ?? null,
        groupId: filter.groupId ?? null,
        applicationKind: filter.applicationKind ?? null,
      }) as KeyRow[]
    const now = s.now()
    return rows.filter((r) => !filter.status || effectiveStatus(r, now) === filter.status).map((r) => toApiKey(s, r))
  },

  create(s: Session, actor: string, input: CreateKeyInput): { key: ApiKey; secret: string } {
    const name = cleanKeyName(input.name)
    const allowedIps = cleanAllowedIps(input.allowedIps)
    const publicUrl = input.publicUrl === undefined ? null : cleanPublicUrl(input.publicUrl)
    const expiresAt = input.expiresAt === undefined ? null : cleanExpiry(input.expiresAt, s.now())
    const result = s.db.transaction(() => {
      collections.get(s, input.collectionId)
      const app = requireApplication(s, input.applicationKind)
      const permissions = normalizePermissions(input.permissions ?? (JSON.parse(app.default_permissions) as string[]))
      const licence = requireUsableLicence(s, input.collectionId)
      if (input.groupId) requireGroupOf(s, input.groupId, input.collectionId)
      if (input.active) assertSlotFree(s, licence.id, app.id, null)
      const id = uuidv7()
      const { secret, digest, prefix } = insertKey(s, keyPrefix(app.prefix, input.environment), {
        id,
        collectionId: input.collectionId,
        licenceId: licence.id,
        applicationId: app.id,
        groupId: input.groupId ?? null,
        name,
        description: input.description,
        audience: input.audience,
        environment: input.environment,
        status: input.active ? 'active' : 'inactive',
        allowedIps,
        publicUrl,
        permissions,
        expiresAt,
        rotationDays: input.rotationDays,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
        predecessorId: null,
      })
      appendAudit(s, {
        actor,
        action: 'keys.create',
        entity: 'api_key',
        entityId: id,
        details: {
          name,
          collectionId: input.collectionId,
          licenceId: licence.id,
          applicationKind: app.id,
          prefix,
          fingerprint: fingerprint(digest),
          status: input.active ? 'active' : 'inactive',
          permissions: permissions.length,
          allowedIps: allowedIps.length,
        },
      })
      return { id, secret }
    })()
    committed(s, [result.id])
    return { key: read(s, result.id), secret: result.secret }
  },

  update(s: Session, actor: string, input: UpdateKeyInput): ApiKey {
    const name = input.name === undefined ? undefined : cleanKeyName(input.name)
    const allowedIps = input.allowedIps === undefined ? undefined : cleanAllowedIps(input.allowedIps)
    const publicUrl = input.publicUrl === undefined ? undefined : input.publicUrl === null ? null : cleanPublicUrl(input.publicUrl)
    const expiresAt = input.expiresAt === undefined ? undefined : input.expiresAt === null ? null : cleanExpiry(input.expiresAt, s.now())
    const permissions = input.permissions === undefined ? undefined : normalizePermissions(input.permissions)
    s.db.transaction(() => {
      const row = requireKey(s, input.id)
      assertChangeable(row)
      if (input.groupId) requireGroupOf(s, input.groupId, row.collection_id)
      const next: Partial<Record<keyof KeyRow, unknown>> = {
        name,
        description: input.description,
        audience: input.audience,
        group_id: input.groupId,
        allowed_ips: allowedIps && JSON.stringify(allowedIps),
        public_url: publicUrl,
        permissions: permissions && JSON.stringify(permissions),
        expires_at: expiresAt,
        rotation_days: input.rotationDays,
        rate_limit_per_minute: input.rateLimitPerMinute,
      }
      writeKeyChanges(s, actor, row, next)
    })()
    committed(s, [input.id])
    return read(s, input.id)
  },

  setStatus(s: Session, actor: string, id: string, status: 'active' | 'inactive', reason?: string): ApiKey {
    s.db.transaction(() => {
      const row = requireKey(s, id)
      assertChangeable(row)
      if (row.status === status) return
      if (status === 'active') {
        if (row.expires_at && Date.parse(row.expires_at) <= s.now().getTime()) {
          throw new KeywardError('KEY_EXPIRY_INVALID', `The key "${row.name}" expired on ${row.expires_at}; set a new expiry before activating it.`)
        }
        // a key whose licence was released may follow the licence now bound to its collection
        const licence = requireUsableLicence(s, row.collection_id)
        assertSlotFree(s, licence.id, row.application_id, row.id)
        prepared(s.db, `UPDATE api_keys SET status = 'active', status_reason = NULL, licence_id = ?, updated_at = ? WHERE id = ?`).run(licence.id, s.hlc.now(), id)
        appendAudit(s, { actor, action: 'keys.activate', entity: 'api_key', entityId: id, details: { licenceId: licence.id, ...(licence.id !== row.licence_id ? { previousLicenceId: row.licence_id } : {}) } })
      } else {
        const why = reason?.trim() || `deactivated by ${actor}`
        prepared(s.db, `UPDATE api_keys SET status = 'inactive', status_reason = ?, updated_at = ? WHERE id = ?`).run(why, s.hlc.now(), id)
        appendAudit(s, { actor, action: 'keys.deactivate', entity: 'api_key', entityId: id, details: { reason: why } })
      }
    })()
    committed(s, [id])
    return read(s, id)
  },

  /**
   * Issues the successor at once with the same settings and a new secret; the predecessor
   * keeps verifying until now + graceHours, then answers EXPIRED. The predecessor leaves the
   * one-active-key slot first, so the successor can take it in the same transaction.
   */
  rotate(s: Session, actor: string, id: string, graceHours: number): { key: ApiKey; secret: string; predecessor: ApiKey } {
    const result = s.db.transaction(() => {
      const row = requireKey(s, id)
      assertChangeable(row)
      const now = s.now()
      if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) {
        throw new KeywardError('KEY_EXPIRY_INVALID', `The key "${row.name}" expired on ${row.expires_at}; its successor would be born expired. Change the expiry first.`)
      }
      const app = requireApplication(s, row.application_id)
      let licenceId = row.licence_id
      if (row.status === 'active') {
        licenceId = requireUsableLicence(s, row.collection_id).id
      }
      const graceUntil = new Date(now.getTime() + Math.round(graceHours * HOUR_MS)).toISOString()
      const successorId = uuidv7()
      // the predecessor leaves the slot before the successor is written (partial unique index)
      prepared(s.db, 'UPDATE api_keys SET grace_until = ?, rotated_at = ?, updated_at = ? WHERE id = ?').run(graceUntil, now.toISOString(), s.hlc.now(), id)
      const { secret, digest } = insertKey(s, keyPrefix(app.prefix, row.environment), {
        id: successorId,
        collectionId: row.collection_id,
        licenceId,
        applicationId: row.application_id,
        groupId: row.group_id,
        name: row.name,
        description: row.description,
        audience: row.audience,
        environment: row.environment,
        status: row.status === 'active' ? 'active' : 'inactive',
        allowedIps: JSON.parse(row.allowed_ips) as string[],
        publicUrl: row.public_url,
        permissions: JSON.parse(row.permissions) as string[],
        expiresAt: row.expires_at,
        rotationDays: row.rotation_days,
        rateLimitPerMinute: row.rate_limit_per_minute,
        predecessorId: id,
      })
      prepared(s.db, 'UPDATE api_keys SET successor_id = ? WHERE id = ?').run(successorId, id)
      appendAudit(s, {
        actor,
        action: 'keys.rotate',
        entity: 'api_key',
        entityId: id,
        details: { successorId, graceUntil, graceHours, fingerprint: fingerprint(digest) },
      })
      return { successorId, secret }
    })()
    committed(s, [id, result.successorId])
    return { key: read(s, result.successorId), secret: result.secret, predecessor: read(s, id) }
  },

  /** Immediate and final; revoking a revoked key changes nothing. */
  revoke(s: Session, actor: string, id: string, reason?: string): ApiKey {
    s.db.transaction(() => {
      const row = requireKey(s, id)
      if (row.status === 'revoked') return
      const why = reason?.trim() || `revoked by ${actor}`
      prepared(s.db, `UPDATE api_keys SET status = 'revoked', status_reason = ?, revoked_at = ?, updated_at = ? WHERE id = ?`).run(why, s.now().toISOString(), s.hlc.now(), id)
      appendAudit(s, { actor, action: 'keys.revoke', entity: 'api_key', entityId: id, details: { reason: why, previousStatus: effectiveStatus(row, s.now()) } })
    })()
    committed(s, [id])
    return read(s, id)
  },

  remove(s: Session, actor: string, id: string): { done: true } {
    s.db.transaction(() => {
      const row = requireKey(s, id)
      tombstone(s, 'api_keys', id)
      appendAudit(s, { actor, action: 'keys.delete', entity: 'api_key', entityId: id, details: { name: row.name, fingerprint: fingerprint(row.digest) } })
    })()
    committed(s, [id])
    return { done: true }
  },

  /** reveal and copy differ only in what the UI does with the secret; both are audited. */
  disclose(s: Session, actor: string, id: string, how: 'reveal' | 'copy'): { secret: string } {
    return s.db.transaction(() => {
      const row = requireKey(s, id)
      const secret = unseal(s.sealKey, row.secret, sealContext(id)).toString('utf8')
      // defence in depth: the sealed value must be the key the digest was made from
      if (!keyDigest(secret).equals(row.digest)) {
        throw new KeywardError('VAULT_CORRUPT', `The stored secret of key "${row.name}" does not match its digest.`)
      }
      appendAudit(s, { actor, action: `keys.${how}`, entity: 'api_key', entityId: id, details: { fingerprint: fingerprint(row.digest) } })
      return { secret }
    })()
  },

  verify(s: Session, key: string, ip?: string, method?: string): VerifyResult {
    return s.keyIndex.verify(key, ip, method)
  },
}
