import { z } from 'zod'
import { KEY_ENVIRONMENTS } from '../key-format'
import { Id } from '../model'
import { VERIFY_CODES } from '../verify-codes'
import { Done, method, SecretInput } from './define'

export const KeyAudience = z.enum(['client', 'business'])
/** What the admin set, plus "expired" when expiry or the rotation grace has passed. */
export const KeyStatus = z.enum(['active', 'inactive', 'revoked', 'expired'])
export const KeyEnvironment = z.enum(KEY_ENVIRONMENTS)
/** none: current key · grace: replaced, still verifying until graceUntil · replaced: grace over. */
export const RotationState = z.enum(['none', 'grace', 'replaced'])

/** Seed 002 recommends changing keys every 3–6 months. */
export const RECOMMENDED_ROTATION_DAYS = { min: 90, max: 180 } as const
export const DEFAULT_ROTATION_DAYS = 90
export const DEFAULT_GRACE_HOURS = 24

export const KeyWarning = z.object({ code: z.enum(['ROTATION_OUTSIDE_RECOMMENDED', 'ROTATION_DUE', 'ALLOWS_EVERY_IP']), message: z.string() })

export const ApiKey = z.object({
  id: Id,
  collectionId: Id,
  licenceId: Id,
  applicationKind: z.string(),
  groupId: Id.nullable(),
  name: z.string(),
  description: z.string(),
  audience: KeyAudience,
  environment: KeyEnvironment,
  status: KeyStatus,
  statusReason: z.string().nullable(),
  /** `<app prefix>_<env>`; the key itself is never in this object. */
  prefix: z.string(),
  /** Masked form for lists: prefix + first 4 + last 4 random characters. */
  hint: z.string(),
  allowedIps: z.array(z.string()),
  publicUrl: z.string().nullable(),
  permissions: z.array(z.string()),
  expiresAt: z.string().nullable(),
  rotationDays: z.number().int(),
  rotationDueAt: z.string(),
  rateLimitPerMinute: z.number().int().nullable(),
  rotation: z.object({
    state: RotationState,
    predecessorId: Id.nullable(),
    successorId: Id.nullable(),
    graceUntil: z.string().nullable(),
    rotatedAt: z.string().nullable(),
  }),
  warnings: z.array(KeyWarning),
  lastUsedAt: z.string().nullable(),
  useCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  revokedAt: z.string().nullable(),
})
export type ApiKey = z.infer<typeof ApiKey>

export const KeyGroup = z.object({ id: Id, collectionId: Id, name: z.string(), keyCount: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
export type KeyGroup = z.infer<typeof KeyGroup>

/** Entries are checked by the core (IP_RULE_INVALID names the bad one). */
const AllowedIps = z.array(z.string().max(100)).max(256)
const Permissions = z.array(z.string().max(128)).max(500)
const Description = z.string().max(1000)
const PublicUrl = z.string().max(2048)
const RotationDays = z.number().int().min(1).max(3650)
const RateLimit = z.number().int().min(1).max(1_000_000)
const ById = z.strictObject({ id: Id })
const Secret = z.object({ secret: z.string() })
const Reason = z.string().max(500)

export const VerifyOutput = z.object({
  code: z.enum(VERIFY_CODES),
  keyId: Id.optional(),
  collectionId: Id.optional(),
  licenceId: Id.optional(),
  applicationKind: z.string().optional(),
  permissions: z.array(z.string()).optional(),
  validUntil: z.string().optional(),
  retryAfterMs: z.number().int().optional(),
})

export const keyMethods = {
  'keys.list': method(
    'API keys (masked), filtered',
    z.strictObject({
      collectionId: Id.optional(),
      licenceId: Id.optional(),
      groupId: Id.optional(),
      applicationKind: z.string().max(64).optional(),
      status: KeyStatus.optional(),
    }),
    z.array(ApiKey),
  ),
  'keys.get': method('One API key (masked)', ById, ApiKey),
  'keys.create': method(
    'Issue a key for an application on a licensed collection; the secret is returned this once',
    z.strictObject({
      collectionId: Id,
      applicationKind: z.string().max(64),
      name: z.string(),
      description: Description.default(''),
      audience: KeyAudience.default('business'),
      environment: KeyEnvironment.default('live'),
      groupId: Id.optional(),
      allowedIps: AllowedIps.default([]),
      publicUrl: PublicUrl.optional(),
      permissions: Permissions.optional(),
      expiresAt: z.iso.datetime({ offset: true }).optional(),
      rotationDays: RotationDays.default(DEFAULT_ROTATION_DAYS),
      rateLimitPerMinute: RateLimit.optional(),
      active: z.boolean().default(true),
    }),
    z.object({ key: ApiKey, secret: z.string() }),
  ),
  'keys.update': method(
    'Change the settings of a key (not its secret, application or collection)',
    z.strictObject({
      id: Id,
      name: z.string().optional(),
      description: Description.optional(),
      audience: KeyAudience.optional(),
      groupId: Id.nullable().optional(),
      allowedIps: AllowedIps.optional(),
      publicUrl: PublicUrl.nullable().optional(),
      permissions: Permissions.optional(),
      expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
      rotationDays: RotationDays.optional(),
      rateLimitPerMinute: RateLimit.nullable().optional(),
    }),
    ApiKey,
  ),
  'keys.setStatus': method('Activate or deactivate a key', z.strictObject({ id: Id, status: z.enum(['active', 'inactive']), reason: Reason.optional() }), ApiKey),
  'keys.rotate': method(
    'Issue the successor at once; the old key keeps verifying until the grace deadline, then is EXPIRED',
    z.strictObject({ id: Id, graceHours: z.number().min(0).max(24 * 30).default(DEFAULT_GRACE_HOURS) }),
    z.object({ key: ApiKey, secret: z.string(), predecessor: ApiKey }),
  ),
  'keys.revoke': method('Revoke a key now and for good', z.strictObject({ id: Id, reason: Reason.optional() }), ApiKey),
  'keys.delete': method('Delete (tombstone) a key; it stops verifying (NOT_FOUND)', ById, Done),
  'keys.reveal': method('Show the secret of a key (audited)', ById, Secret),
  'keys.copy': method('Hand the secret of a key to the clipboard (audited)', ById, Secret),
  'keys.verify': method(
    'Verify a key as a gateway would: format, existence, status, expiry, licence, IP, method permission, rate limit',
    z.strictObject({ key: SecretInput, ip: z.string().max(100).optional(), method: z.string().max(128).optional() }),
    VerifyOutput,
  ),

  'keyGroups.list': method('Key groups of a collection, by name', z.strictObject({ collectionId: Id }), z.array(KeyGroup)),
  'keyGroups.create': method('Add a key group to a collection', z.strictObject({ collectionId: Id, name: z.string() }), KeyGroup),
  'keyGroups.rename': method('Rename a key group', z.strictObject({ id: Id, name: z.string() }), KeyGroup),
  'keyGroups.delete': method(
    'Delete a key group; its keys stay, ungrouped',
    ById,
    z.object({ done: z.literal(true), ungroupedKeyIds: z.array(Id) }),
  ),
} as const
