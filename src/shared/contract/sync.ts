import { z } from 'zod'
import { Id } from '../model'
import { Conflict } from '../sync'
import { Empty, method, SecretInput } from './define'

/**
 * The desktop side of sync with a remote Keyward instance (DESIGN §6). The device token
 * lives in the OS keychain, the organisation sync key (derived from the organisation
 * passphrase) in the encrypted store; neither ever appears in an answer of these methods.
 *
 * Progress of a running sync is pushed as the `sync.progress` event and also readable from
 * `sync.status` (for transports without events).
 */

export const SyncPhase = z.enum(['idle', 'connecting', 'pushing', 'pulling', 'applying', 'done', 'failed'])

export const SyncProgress = z.object({
  phase: SyncPhase,
  /** Collection being synced, when the phase concerns one. */
  collectionId: Id.nullable(),
  done: z.number().int().nonnegative(),
  /** Null while the total is unknown (e.g. pulling pages). */
  total: z.number().int().nonnegative().nullable(),
})
export type SyncProgress = z.infer<typeof SyncProgress>

export const SyncSummary = z.object({
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** Field operations the server applied (or had already applied) from our outbox. */
  pushed: z.number().int().nonnegative(),
  /** Field changes pulled from the server and applied locally. */
  pulled: z.number().int().nonnegative(),
  /** Pushed operations an equal or later write had already beaten. */
  stale: z.number().int().nonnegative(),
  /** Conflicts the server raised in this run (licence rules); see sync.conflicts. */
  conflicts: z.number().int().nonnegative(),
  collections: z.array(Id),
  /** Set when the run stopped early; what was acknowledged before stays acknowledged. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
})
export type SyncSummary = z.infer<typeof SyncSummary>

export const SyncCollectionState = z.object({
  collectionId: Id,
  /** ISO time of the last sync that finished for this collection, null if never. */
  lastSyncAt: z.iso.datetime().nullable(),
  /** False until the first sync (which needs a previewed, confirmed diff) has run. */
  initialDone: z.boolean(),
  /** Local field changes waiting in the outbox for this collection. */
  pending: z.number().int().nonnegative(),
})

export const SyncStatus = z.object({
  configured: z.boolean(),
  serverUrl: z.string().nullable(),
  username: z.string().nullable(),
  deviceName: z.string().nullable(),
  deviceId: z.string().nullable(),
  /** Where the device token is kept: the OS keychain, or (where this device has none) sealed in the encrypted store. */
  tokenStorage: z.enum(['keychain', 'vault']).nullable(),
  /** Field changes waiting in the outbox, all collections. */
  pending: z.number().int().nonnegative(),
  openConflicts: z.number().int().nonnegative(),
  /** Whether the last attempt reached the server. */
  online: z.boolean().nullable(),
  running: z.boolean(),
  progress: SyncProgress,
  lastRun: SyncSummary.nullable(),
  collections: z.array(SyncCollectionState),
})
export type SyncStatus = z.infer<typeof SyncStatus>

const PreviewItem = z.object({
  entity: z.string(),
  entityId: Id,
  /** Human label (key name, username, client name …), never a secret. */
  label: z.string(),
  change: z.enum(['create', 'update', 'delete']),
  /** Field names that differ; secret fields are named but their values never shown. */
  fields: z.array(z.string()),
})

export const SyncPreview = z.object({
  collectionId: Id,
  /** What this desktop would send. */
  push: z.array(PreviewItem),
  /** What the server holds that this desktop would apply. */
  pull: z.array(PreviewItem),
  /** Entities changed on both sides (the merge rule decides per field). */
  both: z.array(PreviewItem),
  truncated: z.boolean(),
})
export type SyncPreview = z.infer<typeof SyncPreview>

export const syncMethods = {
  'sync.status': method('Sync settings (without secrets), outbox size, progress of a running sync and last sync per collection', Empty, SyncStatus),
  'sync.configure': method(
    'Log in to a remote Keyward instance, register this desktop as a device (token kept in the keychain) and set the organisation passphrase',
    z.strictObject({
      serverUrl: z
        .url({ protocol: /^https?$/ })
        .max(2048)
        .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'Give the username and password in their own fields, not as user:password@ in the URL.'),
      username: z.string().trim().min(1).max(200),
      password: SecretInput,
      totp: z.string().regex(/^\d{6}$/, 'six digits').optional(),
      deviceName: z.string().trim().min(1).max(100),
      /** Derives the organisation sync key that seals secrets on the wire; never sent. */
      organisationPassphrase: SecretInput,
    }),
    SyncStatus,
  ),
  'sync.disconnect': method('Revoke this device on the server (when reachable) and forget the token and sync key; local data stays', Empty, SyncStatus),
  'sync.preview': method(
    'Dry run: the differences between this desktop and the server for one collection, applying nothing',
    z.strictObject({ collectionId: Id, limit: z.number().int().min(1).max(5000).default(500) }),
    SyncPreview,
  ),
  'sync.run': method(
    "Push the outbox and pull the server's changes (all synced collections, or one); a collection's first sync needs confirmInitial after a preview",
    z.strictObject({ collectionId: Id.optional(), confirmInitial: z.boolean().default(false) }),
    SyncSummary,
  ),
  'sync.conflicts': method(
    'Conflicts the server raised for our changes (licence rules), open ones unless includeResolved',
    z.strictObject({ collectionId: Id.optional(), includeResolved: z.boolean().default(false) }),
    z.object({ conflicts: z.array(Conflict) }),
  ),
  'sync.resolveConflict': method(
    "Resolve a conflict: keep_server (accept the server's correction) or reapply (push our value again with a new stamp, after fixing the cause)",
    z.strictObject({ id: Id, resolution: z.enum(['keep_server', 'reapply']) }),
    Conflict,
  ),
} as const

export const syncEvents = {
  'sync.progress': SyncProgress,
} as const
