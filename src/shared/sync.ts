import { z } from 'zod'

/**
 * What sync carries (DESIGN §6): field-level operations on the synced tables. Every field a
 * desktop may send is listed here; anything else is refused. Secret fields travel only as
 * ciphertext sealed under the organisation sync key (`kws1.<base64url>`), which the server
 * cannot open; the server keeps digests and non-secret fields in the clear.
 */
export const SYNC_ENTITIES = {
  regions: { fields: ['name', 'created_at', 'deleted_at'], secret: [] },
  servers: { fields: ['region_id', 'name', 'created_at', 'deleted_at'], secret: [] },
  collections: { fields: ['server_id', 'name', 'created_at', 'deleted_at'], secret: [] },
  clients: { fields: ['name', 'tier', 'notes', 'created_at', 'deleted_at'], secret: [] },
  licences: { fields: ['client_id', 'collection_id', 'status', 'created_at', 'deleted_at', 'released_reason'], secret: [] },
  applications: { fields: ['name', 'prefix', 'template', 'created_at', 'deleted_at'], secret: [] },
  key_groups: { fields: ['name', 'created_at', 'deleted_at'], secret: [] },
  api_keys: {
    fields: [
      'licence_id',
      'application_id',
      'group_id',
      'name',
      'description',
      'audience',
      'environment',
      'status',
      'status_reason',
      'prefix',
      'hint',
      'digest',
      'secret',
      'allowed_ips',
      'public_url',
      'permissions',
      'expires_at',
      'rotation_days',
      'rate_limit_per_minute',
      'predecessor_id',
      'successor_id',
      'grace_until',
      'rotated_at',
      'revoked_at',
      'created_at',
      'deleted_at',
    ],
    secret: ['secret'],
  },
  service_users: {
    fields: [
      'key_id',
      'username',
      'client_id',
      'password_hash',
      'password_set_at',
      'status',
      'type',
      'contact',
      'permission_profile',
      'auth_method',
      'totp_secret',
      'rest_permissions',
      'rest_endpoint',
      'soap_permissions',
      'soap_endpoint',
      'created_at',
      'deleted_at',
    ],
    secret: ['password_hash', 'totp_secret'],
  },
  token_signing_keys: { fields: ['kid', 'public_jwk', 'private_key', 'created_at', 'retired_at', 'not_after', 'deleted_at'], secret: ['private_key'] },
  tokens: {
    fields: ['user_id', 'key_id', 'signing_key_id', 'audience', 'scope', 'value', 'issued_at', 'expires_at', 'revoked_at', 'revoked_reason', 'deleted_at'],
    secret: ['value'],
  },
} as const satisfies Record<string, { fields: readonly string[]; secret: readonly string[] }>

/**
 * The `collectionId` on the wire of organisation-wide entities (the topology — regions,
 * servers, collections — and clients and application kinds), which belong to no one
 * collection: the nil UUID. Desktops sync it as one more scope, before the collections, so a
 * collection's keys always find their collection, licence and application already placed.
 */
export const ORGANISATION_SCOPE = '00000000-0000-0000-0000-000000000000'
/** The node id of the stamps the server writes itself (its corrections after a conflict). */
export const SERVER_NODE = '00000000-0000-0000-0000-000000000000'
export const ORGANISATION_ENTITIES = ['regions', 'servers', 'collections', 'clients', 'applications'] as const

export type SyncEntity = keyof typeof SYNC_ENTITIES
export const syncEntityNames = Object.keys(SYNC_ENTITIES) as SyncEntity[]

export function isSyncField(entity: SyncEntity, field: string): boolean {
  return (SYNC_ENTITIES[entity].fields as readonly string[]).includes(field)
}
export function isSecretField(entity: SyncEntity, field: string): boolean {
  return (SYNC_ENTITIES[entity].secret as readonly string[]).includes(field)
}

/** A sealed value: version tag, then base64url of nonce ‖ ciphertext ‖ tag (≥ 12 + 16 bytes). */
export const SEALED_PATTERN = /^kws1\.[A-Za-z0-9_-]{38,}$/
/** The HLC stamp format of src/core/store/hlc.ts. */
export const HLC_PATTERN = /^\d{13}-\d{5}-[0-9a-f-]{1,64}$/
/** A key digest on the wire: SHA-256, lower-case hex. */
const DIGEST_PATTERN = /^[0-9a-f]{64}$/

export const SyncValue = z.union([z.string().max(65_536), z.number().finite(), z.boolean(), z.null(), z.array(z.string().max(1024)).max(1024)])
export type SyncValue = z.infer<typeof SyncValue>

export const SyncOp = z
  .strictObject({
    opId: z.uuid(),
    entity: z.enum(syncEntityNames as [SyncEntity, ...SyncEntity[]]),
    entityId: z.uuid(),
    collectionId: z.uuid(),
    field: z.string().min(1).max(64),
    value: SyncValue,
    hlc: z.string().regex(HLC_PATTERN, 'an HLC stamp'),
  })
  .superRefine((op, ctx) => {
    if (!isSyncField(op.entity, op.field)) ctx.addIssue({ code: 'custom', path: ['field'], message: `${op.entity} has no synced field ${op.field}` })
    else if (isSecretField(op.entity, op.field) && op.value !== null && (typeof op.value !== 'string' || !SEALED_PATTERN.test(op.value))) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${op.entity}.${op.field} must be sealed under the organisation sync key` })
    } else if (op.entity === 'api_keys' && op.field === 'digest' && (typeof op.value !== 'string' || !DIGEST_PATTERN.test(op.value))) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'api_keys.digest is 64 lower-case hex characters' })
    }
  })
export type SyncOp = z.infer<typeof SyncOp>

const UUID = z.regexes.uuid()
const OP_KEYS = 7
const CHANGE_KEYS = 7
const FIELDS = new Map(syncEntityNames.map((e) => [e as string, { fields: new Set<string>(SYNC_ENTITIES[e].fields), secret: new Set<string>(SYNC_ENTITIES[e].secret) }]))

/** An object as JSON.parse makes them: what the hand-written guards below are written for. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
}

function isSyncValue(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return v.length <= 65_536
    case 'number':
      return Number.isFinite(v)
    case 'boolean':
      return true
    case 'object': {
      if (v === null) return true
      if (!Array.isArray(v) || v.length > 1024) return false
      for (let i = 0; i < v.length; i++) {
        const s: unknown = v[i]
        if (typeof s !== 'string' || s.length > 1024) return false
      }
      return true
    }
    default:
      return false
  }
}

/**
 * Whether `value` is an operation that `SyncOp` accepts as it is: the same rules, written out
 * for the push path, where a batch of 1 000 ops through zod's general machinery costs about
 * three times as much. It may only say yes where the schema does and would return an equal
 * object (test/unit/sync/op-guard.test.ts holds it to that over random and mutated ops); on
 * anything unusual it says no, and the caller asks the schema, which also words the error.
 */
export function isPlainSyncOp(value: unknown, recent?: RecentIds): value is SyncOp {
  if (!isPlainObject(value)) return false
  const op = value as Record<string, unknown>
  const { opId, entity, entityId, collectionId, field, value: v, hlc } = op
  if (Object.keys(op).length !== OP_KEYS) return false
  if (typeof opId !== 'string' || typeof entityId !== 'string' || typeof collectionId !== 'string' || typeof field !== 'string' || typeof hlc !== 'string' || typeof entity !== 'string') return false
  const spec = FIELDS.get(entity)
  if (spec === undefined || !spec.fields.has(field) || !isSyncValue(v)) return false
  if (!UUID.test(opId) || !isUuid(entityId, recent) || !isUuid(collectionId, recent) || !HLC_PATTERN.test(hlc)) return false
  if (spec.secret.has(field)) return v === null || (typeof v === 'string' && SEALED_PATTERN.test(v))
  if (entity === 'api_keys' && field === 'digest') return typeof v === 'string' && DIGEST_PATTERN.test(v)
  return true
}

/**
 * The two ids a guard found valid last, for the next op or change of the same batch or page:
 * those come a record's fields at a time, so its record and collection ids are usually the
 * ones just checked, and the same string is valid again without the pattern.
 */
export interface RecentIds {
  last: string | undefined
  before: string | undefined
}

export const recentIds = (): RecentIds => ({ last: undefined, before: undefined })

function isUuid(id: string, recent: RecentIds | undefined): boolean {
  if (recent === undefined) return UUID.test(id)
  if (id === recent.last || id === recent.before) return true
  if (!UUID.test(id)) return false
  recent.before = recent.last
  recent.last = id
  return true
}

/** Whether `value` is a pulled change that `Change` accepts as it is (see isPlainSyncOp; the desktop reads pages of them). */
export function isPlainChange(value: unknown, recent?: RecentIds): value is Change {
  if (!isPlainObject(value)) return false
  const c = value as Record<string, unknown>
  const { seq, collectionId, entity, entityId, field, value: v, hlc } = c
  if (Object.keys(c).length !== CHANGE_KEYS) return false
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= 0) return false
  if (typeof collectionId !== 'string' || typeof entityId !== 'string' || typeof field !== 'string' || typeof hlc !== 'string' || typeof entity !== 'string') return false
  return FIELDS.has(entity) && isSyncValue(v) && isUuid(collectionId, recent) && isUuid(entityId, recent)
}

export const OpOutcome = z.strictObject({
  opId: z.uuid(),
  /** applied: now the field's value; stale: an equal or later write already won (or the entity is tombstoned / revoked); conflict: refused by a licence rule, see conflictId */
  status: z.enum(['applied', 'stale', 'conflict']),
  conflictId: z.uuid().optional(),
})
export type OpOutcome = z.infer<typeof OpOutcome>

export const Change = z.strictObject({
  seq: z.number().int().positive(),
  collectionId: z.uuid(),
  entity: z.enum(syncEntityNames as [SyncEntity, ...SyncEntity[]]),
  entityId: z.uuid(),
  field: z.string(),
  value: SyncValue,
  hlc: z.string(),
})
export type Change = z.infer<typeof Change>

export const ConflictKind = z.enum(['ONE_ACTIVE_KEY', 'TIER_LIMIT', 'COLLECTION_TAKEN'])
export const Conflict = z.strictObject({
  id: z.uuid(),
  collectionId: z.uuid(),
  entity: z.string(),
  entityId: z.uuid(),
  field: z.string().nullable(),
  kind: ConflictKind,
  message: z.string(),
  proposedValue: SyncValue,
  currentValue: SyncValue,
  hlc: z.string(),
  opId: z.uuid().nullable(),
  detectedAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().nullable(),
  resolution: z.enum(['kept_server', 'reapplied']).nullable(),
})
export type Conflict = z.infer<typeof Conflict>

/**
 * The organisation's sync key parameters, kept on the server so every desktop derives the
 * same key (DESIGN §6): the scrypt salt (not secret) and a verifier, a known plaintext sealed
 * under the key, which lets a desktop refuse a wrong organisation passphrase before it sends
 * anything. Neither reveals the key.
 */
export const Organisation = z.strictObject({
  salt: z.string().regex(/^[A-Za-z0-9_-]{22,88}$/, 'base64url, 16 to 64 bytes'),
  /** scrypt work factor as log2(N) (r = 8, p = 1); 17 unless an organisation chose otherwise. */
  cost: z.number().int().min(10).max(20),
  verifier: z.string().regex(SEALED_PATTERN, 'a sealed value').max(512),
})
export type Organisation = z.infer<typeof Organisation>
/** What the verifier seals (entity, id and field of its associated data). */
export const ORGANISATION_VERIFIER = { entity: 'organisation', id: ORGANISATION_SCOPE, field: 'verifier', plaintext: 'keyward organisation sync key v1' } as const
