import { z } from 'zod'

/** UUIDv7 ids for every synced row. */
export const Id = z.uuid()

/** Names of regions, servers, collections: trimmed, printable, 1–64 characters. */
export const Name = z.string()

export const Region = z.object({
  id: Id,
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Region = z.infer<typeof Region>

export const Server = Region.extend({ regionId: Id })
export type Server = z.infer<typeof Server>

export const Collection = Region.extend({ serverId: Id, regionId: Id })
export type Collection = z.infer<typeof Collection>

export const VaultState = z.enum(['uninitialized', 'locked', 'unlocked'])
export type VaultState = z.infer<typeof VaultState>

export const VaultStatus = z.object({
  state: VaultState,
  keychain: z.object({
    /** False where the OS has no usable secret store (some Linux desktops, headless servers). */
    available: z.boolean(),
    /** The database key is kept in the keychain of this device. */
    enabled: z.boolean(),
    /** Plain-language reason when unavailable. */
    reason: z.string().optional(),
  }),
  autoLockMinutes: z.number().int().nonnegative(),
})
export type VaultStatus = z.infer<typeof VaultStatus>

export const Theme = z.enum(['auto', 'light', 'dark'])

/** Preferences are never secret: they live in a plain JSON file next to the vault. */
export const Preferences = z.object({
  lastRegionId: Id.nullable(),
  lastServerId: Id.nullable(),
  lastCollectionId: Id.nullable(),
  theme: Theme,
  autoLockMinutes: z.number().int().min(0).max(24 * 60),
  windowBounds: z
    .object({ width: z.number().int().positive(), height: z.number().int().positive(), x: z.number().int().optional(), y: z.number().int().optional() })
    .nullable(),
})
export type Preferences = z.infer<typeof Preferences>

export const defaultPreferences: Preferences = {
  lastRegionId: null,
  lastServerId: null,
  lastCollectionId: null,
  theme: 'auto',
  autoLockMinutes: 15,
  windowBounds: null,
}
