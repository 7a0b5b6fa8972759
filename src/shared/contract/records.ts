import { z } from 'zod'
import { Id } from '../model'
import { method } from './define'
import { AuthMethod, UserStatus } from './users'

export const RECORDS_PAGE_MAX = 500
export const RecordSortField = z.enum(['username', 'clientId', 'keyName', 'status', 'createdAt'])
export type RecordSortField = z.infer<typeof RecordSortField>
/** Effective status of the row's API key; `deleted` when the key was tombstoned. */
export const RecordKeyStatus = z.enum(['active', 'inactive', 'revoked', 'expired', 'deleted'])
export type RecordKeyStatus = z.infer<typeof RecordKeyStatus>

/** Which buttons of the Operations column (seed 003) can be used on this row right now. */
export const RecordOperations = z.object({
  /** REST permissions pop-up: the user has REST permissions or a REST endpoint. */
  restPermissions: z.boolean(),
  /** SOAP permissions pop-up: the user has SOAP permissions or a SOAP endpoint. */
  soapPermissions: z.boolean(),
  /** The user is active, has a password, and its key verifies (active, not expired, licence active). */
  generateToken: z.boolean(),
  /** "View more": at least one token was issued. */
  viewMore: z.boolean(),
  /** Edit the service user (always, while it exists). */
  edit: z.boolean(),
  /** Rotate the row's API key: current (not replaced), not revoked, not expired, not deleted. */
  rotate: z.boolean(),
  /** Revoke the row's API key: not revoked and not deleted. */
  revoke: z.boolean(),
})
export type RecordOperations = z.infer<typeof RecordOperations>

export const RecordRow = z.object({
  userId: Id,
  username: z.string(),
  clientId: z.string(),
  status: UserStatus,
  authMethod: AuthMethod,
  /** False for a user imported from a bundle until an admin sets its password (no tokens before that). */
  passwordSet: z.boolean(),
  collectionId: Id,
  keyId: Id,
  keyName: z.string(),
  /** Masked X-API key, e.g. `erp_live_AbCd…wxYz`; reveal/copy go through keys.reveal/keys.copy. */
  keyHint: z.string(),
  keyStatus: RecordKeyStatus,
  applicationKind: z.string(),
  restPermissionCount: z.number().int(),
  soapPermissionCount: z.number().int(),
  lastTokenAt: z.string().nullable(),
  createdAt: z.string(),
  operations: RecordOperations,
})
export type RecordRow = z.infer<typeof RecordRow>

export const recordMethods = {
  'records.list': method(
    'The Client API records table of seed 003: service users of a region (server, collection), searched, sorted and paged',
    z.strictObject({
      regionId: Id,
      serverId: Id.optional(),
      collectionId: Id.optional(),
      /** Username, client ID, key name, key hint or prefix (contains, any case); a pasted user id, key id, client ID or whole key. */
      search: z.string().max(200).optional(),
      sort: z.strictObject({ field: RecordSortField, dir: z.enum(['asc', 'desc']).default('asc') }).default({ field: 'username', dir: 'asc' }),
      page: z.strictObject({ offset: z.number().int().min(0).max(10_000_000).default(0), limit: z.number().int().min(1).max(RECORDS_PAGE_MAX).default(50) }).default({ offset: 0, limit: 50 }),
    }),
    z.object({
      rows: z.array(RecordRow),
      total: z.number().int(),
      /** A broad search counts its matches only up to 10 000; then total is that lower bound. */
      totalCapped: z.boolean(),
    }),
  ),
} as const
