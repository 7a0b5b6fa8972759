import { z } from 'zod'
import { errorCodes } from './errors'
import { Change, Conflict, isPlainChange, isPlainObject, isPlainSyncOp, OpOutcome, Organisation, recentIds, SyncOp } from './sync'
import { VERIFY_CODES } from './verify-codes'

/**
 * The HTTP surface of the remote instance, in one place: every route with its zod schemas.
 * The server registers and validates routes from this table, the OpenAPI document is
 * generated from it, and the desktop's sync client can import the same types, so none of
 * them can drift from the others.
 */
export type RouteAuth = 'none' | 'admin' | 'gateway'

export interface RouteSpec {
  method: 'GET' | 'POST'
  path: string
  summary: string
  tag: string
  auth: RouteAuth
  /** Gateway routes: the scope the gateway token must hold. */
  scope?: GatewayScopeName
  params?: z.ZodType
  query?: z.ZodType
  body?: z.ZodType
  response: z.ZodType
  /** The answer is sent as is, not inside `{ ok: true, value }` (the OpenAPI document). */
  raw?: boolean
  status?: 200 | 201
}

const route = <S extends RouteSpec>(spec: S): S => spec

export const Empty = z.strictObject({})
const Timestamp = z.iso.datetime()
const Id = z.uuid()
export const IdParams = z.strictObject({ id: Id })

export const ErrorBody = z.strictObject({
  ok: z.literal(false),
  error: z.strictObject({ code: z.enum(errorCodes), message: z.string() }),
})

export const LoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  totp: z
    .string()
    .regex(/^\d{6}$/, 'a 6-digit code')
    .optional(),
  deviceName: z.string().trim().min(1).max(100),
})

export const Device = z.strictObject({
  id: Id,
  adminId: Id,
  adminUsername: z.string(),
  name: z.string(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  expiresAt: Timestamp,
  revokedAt: Timestamp.nullable(),
  /** The device making this request. */
  current: z.boolean(),
})

export const LoginResult = z.strictObject({
  device: Device,
  /** The device token: shown this once; the server keeps only its SHA-256. */
  token: z.string(),
})

export const gatewayScopes = ['keys.verify', 'tokens.introspect'] as const
export const GatewayScope = z.enum(gatewayScopes)
export type GatewayScopeName = (typeof gatewayScopes)[number]

export const GatewayToken = z.strictObject({
  id: Id,
  name: z.string(),
  scopes: z.array(GatewayScope),
  createdBy: Id,
  createdAt: Timestamp,
  revokedAt: Timestamp.nullable(),
})

export const GatewayTokenCreate = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z
    .array(GatewayScope)
    .min(1)
    .max(gatewayScopes.length)
    .refine((s) => new Set(s).size === s.length, 'each scope at most once'),
})

export const GatewayTokenCreated = z.strictObject({ gatewayToken: GatewayToken, token: z.string() })

export const AuditEntry = z.strictObject({
  seq: z.number().int().positive(),
  at: Timestamp,
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
})

export const AuditQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export const AuditPage = z.strictObject({
  entries: z.array(AuditEntry),
  /** Pass as `after` for the next page; null at the end. */
  next: z.number().int().nullable(),
})

export const ChainStatus = z.union([
  z.strictObject({ ok: z.literal(true), entries: z.number().int(), lastHash: z.string() }),
  z.strictObject({ ok: z.literal(false), entries: z.number().int(), firstBrokenSeq: z.number().int(), reason: z.string() }),
])

export const KeyVerifyBody = z.strictObject({
  key: z.string().max(256),
  ip: z.string().min(1).max(64).optional(),
  method: z.string().min(1).max(200).optional(),
})
export const KeyVerifyResult = z.strictObject({
  code: z.enum(VERIFY_CODES),
  keyId: z.string().optional(),
  collectionId: z.string().optional(),
  licenceId: z.string().optional(),
  applicationKind: z.string().optional(),
  permissions: z.array(z.string()).optional(),
  validUntil: Timestamp.optional(),
  retryAfterMs: z.number().int().positive().optional(),
})

export const IntrospectBody = z.strictObject({
  token: z.string().min(1).max(8192),
  token_type_hint: z.string().max(64).optional(),
  audience: z.string().max(200).optional(),
})
/** RFC 7662 §2.2: `active` and, for active tokens, the token's claims. */
export const IntrospectResult = z.strictObject({
  active: z.boolean(),
  scope: z.string().optional(),
  client_id: z.string().optional(),
  sub: z.string().optional(),
  aud: z.string().optional(),
  iss: z.string().optional(),
  exp: z.number().int().optional(),
  iat: z.number().int().optional(),
  jti: z.string().optional(),
  token_type: z.literal('Bearer').optional(),
  collection_id: z.string().optional(),
})

export const Jwks = z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) })
export const CollectionParams = z.strictObject({ id: Id })

/**
 * `answer`: `each` (the default) lists the outcome of every op; `exceptions` lists only the ops
 * that were not applied (stale, conflict) and counts the others in `applied`, so the answer to
 * a batch of a first sync is a few bytes instead of one entry per op.
 */
export const PushAnswer = z.enum(['each', 'exceptions'])
export const SyncPushBody = z.strictObject({ ops: z.array(SyncOp).min(1).max(1000), answer: PushAnswer.optional() })
/** Whether `value` is a push body that `SyncPushBody` accepts unchanged (see isPlainSyncOp); no means: ask the schema. */
export function isPlainSyncPushBody(value: unknown): value is z.output<typeof SyncPushBody> {
  if (!isPlainObject(value)) return false
  const { ops, answer } = value as { ops?: unknown; answer?: unknown }
  if (answer !== undefined && answer !== 'each' && answer !== 'exceptions') return false
  if (!Array.isArray(ops) || ops.length < 1 || ops.length > 1000 || Object.keys(value).length !== (Object.hasOwn(value, 'answer') ? 2 : 1)) return false
  const recent = recentIds()
  for (let i = 0; i < ops.length; i++) if (!isPlainSyncOp(ops[i], recent)) return false
  return true
}
export const SyncPushResult = z.strictObject({
  /** every op's outcome, in the batch's order; with `answer: exceptions`, only those not applied */
  outcomes: z.array(OpOutcome),
  /** with `answer: exceptions`: how many ops of the batch were applied (the ones not listed) */
  applied: z.number().int().min(0).optional(),
  cursor: z.number().int().min(0),
})
export const SyncPullQuery = z.strictObject({
  cursor: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  collectionId: Id.optional(),
})
export const SyncPullResult = z.strictObject({ changes: z.array(Change), next: z.number().int().min(0), more: z.boolean() })
/** Whether `value` is a pull page that `SyncPullResult` accepts unchanged (see isPlainChange); no means: ask the schema. */
export function isPlainSyncPullResult(value: unknown): value is z.output<typeof SyncPullResult> {
  if (!isPlainObject(value)) return false
  const { changes, next, more } = value as { changes?: unknown; next?: unknown; more?: unknown }
  if (!Array.isArray(changes) || typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0 || typeof more !== 'boolean' || Object.keys(value).length !== 3) return false
  const recent = recentIds()
  for (let i = 0; i < changes.length; i++) if (!isPlainChange(changes[i], recent)) return false
  return true
}
export const ConflictQuery = z.strictObject({ collectionId: Id.optional(), includeResolved: z.enum(['true', 'false']).optional() })
export const ConflictResolveBody = z.strictObject({ resolution: z.enum(['kept_server', 'reapplied']) })

export const Health = z.strictObject({ status: z.literal('up') })
export const Readiness = z.strictObject({ status: z.literal('ready'), database: z.enum(['sqlite', 'postgres']), migrations: z.number().int() })

export const serverApi = {
  'health.live': route({ method: 'GET', path: '/healthz', tag: 'health', summary: 'The process is up (liveness).', auth: 'none', response: Health }),
  'health.ready': route({
    method: 'GET',
    path: '/readyz',
    tag: 'health',
    summary: 'The database answers and every migration is applied (readiness); 503 NOT_READY otherwise.',
    auth: 'none',
    response: Readiness,
  }),
  'meta.openapi': route({
    method: 'GET',
    path: '/v1/openapi.json',
    tag: 'meta',
    summary: 'This OpenAPI document.',
    auth: 'none',
    response: z.record(z.string(), z.unknown()),
    raw: true,
  }),
  'auth.login': route({
    method: 'POST',
    path: '/v1/auth/login',
    tag: 'auth',
    summary: 'Log in with username, password and (when set) the TOTP code; registers this desktop as a device and returns its token once.',
    auth: 'none',
    body: LoginBody,
    response: LoginResult,
    status: 201,
  }),
  'auth.logout': route({
    method: 'POST',
    path: '/v1/auth/logout',
    tag: 'auth',
    summary: 'Revoke the device token this request carries.',
    auth: 'admin',
    body: Empty,
    response: Device,
  }),
  'devices.list': route({ method: 'GET', path: '/v1/devices', tag: 'devices', summary: 'Every device of every admin.', auth: 'admin', response: z.strictObject({ devices: z.array(Device) }) }),
  'devices.revoke': route({
    method: 'POST',
    path: '/v1/devices/:id/revoke',
    tag: 'devices',
    summary: 'Revoke a device: its token stops working at once. Revoking twice is harmless.',
    auth: 'admin',
    params: IdParams,
    body: Empty,
    response: Device,
  }),
  'gatewayTokens.list': route({
    method: 'GET',
    path: '/v1/gateway-tokens',
    tag: 'gateway-tokens',
    summary: 'Every gateway token (never the token values).',
    auth: 'admin',
    response: z.strictObject({ gatewayTokens: z.array(GatewayToken) }),
  }),
  'gatewayTokens.create': route({
    method: 'POST',
    path: '/v1/gateway-tokens',
    tag: 'gateway-tokens',
    summary: 'Create a token an API gateway authenticates with; the token is returned once.',
    auth: 'admin',
    body: GatewayTokenCreate,
    response: GatewayTokenCreated,
    status: 201,
  }),
  'gatewayTokens.revoke': route({
    method: 'POST',
    path: '/v1/gateway-tokens/:id/revoke',
    tag: 'gateway-tokens',
    summary: 'Revoke a gateway token at once. Revoking twice is harmless.',
    auth: 'admin',
    params: IdParams,
    body: Empty,
    response: GatewayToken,
  }),
  'gateway.self': route({
    method: 'GET',
    path: '/v1/gateway/self',
    tag: 'gateway',
    summary: 'The gateway token this request carries: lets a gateway check its configuration at start-up.',
    auth: 'gateway',
    response: GatewayToken,
  }),
  'audit.list': route({ method: 'GET', path: '/v1/audit', tag: 'audit', summary: 'The server audit log, oldest first, in pages.', auth: 'admin', query: AuditQuery, response: AuditPage }),
  'audit.verify': route({
    method: 'GET',
    path: '/v1/audit/verify',
    tag: 'audit',
    summary: 'Walk the hash chain of the server audit log and name the first broken link.',
    auth: 'admin',
    response: ChainStatus,
  }),
  'keys.verify': route({
    method: 'POST',
    path: '/v1/keys/verify',
    tag: 'gateway',
    summary: 'Verify an API key for a request (DESIGN §2): VALID or the reason it is refused, with the key id, collection, application and permissions when found. Needs scope keys.verify.',
    auth: 'gateway',
    scope: 'keys.verify',
    body: KeyVerifyBody,
    response: KeyVerifyResult,
  }),
  'tokens.introspect': route({
    method: 'POST',
    path: '/v1/tokens/introspect',
    tag: 'gateway',
    summary: "RFC 7662 token introspection of a service user's EdDSA JWT, checked against its collection's published keys and revocations. Needs scope tokens.introspect.",
    auth: 'gateway',
    scope: 'tokens.introspect',
    body: IntrospectBody,
    response: IntrospectResult,
    raw: true,
  }),
  'collections.jwks': route({
    method: 'GET',
    path: '/v1/collections/:id/jwks.json',
    tag: 'gateway',
    summary:
      "The collection's published token signing keys as a JWK Set (RFC 7517): public key material, so no credentials are needed (relying parties fetch it as they would an OIDC jwks_uri). Rate-limited per client address; cacheable for 60 s.",
    auth: 'none',
    params: CollectionParams,
    response: Jwks,
    raw: true,
  }),
  'organisation.get': route({
    method: 'GET',
    path: '/v1/organisation',
    tag: 'sync',
    summary: "The organisation's sync key salt and verifier (neither is secret), so a desktop derives the same sync key and refuses a wrong passphrase before sending anything; 404 ORGANISATION_NOT_SET until the first desktop sets them.",
    auth: 'admin',
    response: Organisation,
  }),
  'organisation.set': route({
    method: 'POST',
    path: '/v1/organisation',
    tag: 'sync',
    summary: 'Set the organisation sync key salt and verifier unless they are set already; answers with the stored ones either way (the first desktop wins, later ones derive from its salt).',
    auth: 'admin',
    body: Organisation,
    response: Organisation,
  }),
  'sync.push': route({
    method: 'POST',
    path: '/v1/sync/push',
    tag: 'sync',
    summary:
      'Push a batch of field-level operations. Each operation id is applied at most once: a replay gets the same answer; the same id with another body is 422 OP_ID_REUSED and nothing of the batch is applied. `answer: exceptions` lists only the operations not applied and counts the rest in `applied`.',
    auth: 'admin',
    body: SyncPushBody,
    response: SyncPushResult,
  }),
  'sync.pull': route({
    method: 'GET',
    path: '/v1/sync/pull',
    tag: 'sync',
    summary: 'The change log after `cursor`, oldest first, in pages; pass `next` back as the cursor while `more` is true.',
    auth: 'admin',
    query: SyncPullQuery,
    response: SyncPullResult,
  }),
  'sync.conflicts': route({
    method: 'GET',
    path: '/v1/sync/conflicts',
    tag: 'sync',
    summary: 'Changes the server refused by a licence rule (and the correction it wrote), open ones unless includeResolved=true.',
    auth: 'admin',
    query: ConflictQuery,
    response: z.strictObject({ conflicts: z.array(Conflict) }),
  }),
  'sync.resolveConflict': route({
    method: 'POST',
    path: '/v1/sync/conflicts/:id/resolve',
    tag: 'sync',
    summary: 'Mark a conflict resolved: kept_server (the correction stands) or reapplied (the admin pushed a new change). Resolving twice is harmless.',
    auth: 'admin',
    params: IdParams,
    body: ConflictResolveBody,
    response: Conflict,
  }),
} as const

export type ServerApi = typeof serverApi
export type RouteName = keyof ServerApi
