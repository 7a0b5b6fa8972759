import { z } from 'zod'
import { Tier } from '../licensing'
import { Id } from '../model'
import { Done, method } from './define'

const ById = z.strictObject({ id: Id })
const Notes = z.string().max(2000)

export const Client = z.object({
  id: Id,
  name: z.string(),
  tier: Tier,
  notes: z.string(),
  /** Master licences the tier allows. */
  licenceLimit: z.number().int(),
  /** Live (bound) master licences, active or not. */
  licenceCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Client = z.infer<typeof Client>

export const LicenceStatus = z.enum(['active', 'inactive'])

export const Licence = z.object({
  id: Id,
  clientId: Id,
  collectionId: Id,
  status: LicenceStatus,
  /** Keys on this licence that are not revoked or deleted. */
  keyCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Licence = z.infer<typeof Licence>

export const OrphanedKey = z.object({ id: Id, name: z.string(), applicationKind: z.string(), status: z.string() })

/** What a tier change would release: exactly these licences, collections and keys. */
export const TierChangePreview = z.object({
  clientId: Id,
  from: Tier,
  to: Tier,
  limit: z.number().int(),
  liveLicences: z.number().int(),
  /** How many licences must be released for the change to fit the new tier. */
  mustRelease: z.number().int(),
  releases: z.array(
    z.object({
      licenceId: Id,
      collectionId: Id,
      collectionName: z.string(),
      status: LicenceStatus,
      keys: z.array(OrphanedKey),
    }),
  ),
  /** True when the core picked the licences (none were named): newest licences with the fewest keys first. */
  proposed: z.boolean(),
})
export type TierChangePreview = z.infer<typeof TierChangePreview>

export const clientMethods = {
  'clients.list': method('Live clients, by name', z.strictObject({}), z.array(Client)),
  'clients.get': method('One client', ById, Client),
  'clients.create': method('Create a client with its tier', z.strictObject({ name: z.string(), tier: Tier, notes: Notes.default('') }), Client),
  'clients.update': method('Rename a client or change its notes', z.strictObject({ id: Id, name: z.string().optional(), notes: Notes.optional() }), Client),
  'clients.delete': method('Delete (tombstone) a client that holds no live licence', ById, Done),
  'clients.setTier': method(
    'Change the tier; a downgrade that leaves too many licences must name the licences to release (as the preview listed them)',
    z.strictObject({ id: Id, tier: Tier, releaseLicenceIds: z.array(Id).max(3).optional() }),
    z.object({ client: Client, releasedLicenceIds: z.array(Id), deactivatedKeyIds: z.array(Id) }),
  ),

  'licences.list': method(
    'Live master licences of a client, of a collection, or all',
    z.union([z.strictObject({ clientId: Id }), z.strictObject({ collectionId: Id }), z.strictObject({})]),
    z.array(Licence),
  ),
  'licences.get': method('One live master licence', ById, Licence),
  'licences.create': method('Bind a new master licence of a client to a collection', z.strictObject({ clientId: Id, collectionId: Id }), Licence),
  'licences.setStatus': method('Activate or deactivate a master licence (its keys stop verifying while it is inactive)', z.strictObject({ id: Id, status: LicenceStatus }), Licence),
  'licences.rebind': method('Bind a licence without keys to another collection', z.strictObject({ id: Id, collectionId: Id }), Licence),
  'licences.delete': method('Release (tombstone) a licence; its keys become inactive', ById, z.object({ done: z.literal(true), deactivatedKeyIds: z.array(Id) })),
  'licences.previewTierChange': method(
    'Which licences, collections and keys a tier change would orphan',
    z.strictObject({ clientId: Id, tier: Tier, releaseLicenceIds: z.array(Id).max(3).optional() }),
    TierChangePreview,
  ),
} as const
