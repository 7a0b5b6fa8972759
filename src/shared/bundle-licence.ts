import type { Client, Licence } from './contract/clients'

/** A client the picker offers: its tier and how many master licences it can still bind. */
export interface LicenceChoice {
  client: Client
  free: number
}

/**
 * Where the keys of a bundle would land in this vault, as src/core/bundles/bundle-import.ts
 * decides, for the import dialog to say before importing: on the live licence of the collection
 * here, or on a new licence of a client the admin picks. Keys whose expiry has passed are
 * skipped by the import and need no licence.
 */
export type LicenceStanding =
  | { kind: 'not-needed' }
  | { kind: 'active'; licence: Licence; client: Client | undefined }
  | { kind: 'inactive'; licence: Licence; client: Client | undefined }
  | { kind: 'none'; keys: number; choices: LicenceChoice[] }

export function licenceStanding(
  collectionId: string,
  keys: readonly { expiresAt: string | null }[],
  licences: readonly Licence[],
  clients: readonly Client[],
  now: Date,
): LicenceStanding {
  if (keys.length === 0) return { kind: 'not-needed' }
  const live = keys.filter((k) => k.expiresAt === null || Date.parse(k.expiresAt) > now.getTime()).length
  const licence = licences.find((l) => l.collectionId === collectionId)
  if (licence) {
    const client = clients.find((c) => c.id === licence.clientId)
    return licence.status === 'active' ? { kind: 'active', licence, client } : { kind: 'inactive', licence, client }
  }
  if (live === 0) return { kind: 'not-needed' }
  return { kind: 'none', keys: live, choices: clients.map((client) => ({ client, free: Math.max(0, client.licenceLimit - client.licenceCount) })) }
}
