import { describe, expect, it } from 'vitest'
import type { Client, Licence } from '../../src/shared/contract/clients'
import { licenceStanding } from '../../src/shared/bundle-licence'

const NOW = new Date('2026-06-01T00:00:00Z')
const COLLECTION = '0190a000-0000-7000-8000-000000000001'
const stamp = '2026-01-01T00:00:00Z'

const client = (id: string, name: string, tier: Client['tier'], licenceLimit: number, licenceCount: number): Client => ({ id, name, tier, notes: '', licenceLimit, licenceCount, createdAt: stamp, updatedAt: stamp })
const licence = (clientId: string, collectionId: string, status: Licence['status']): Licence => ({ id: `lic-${clientId}`, clientId, collectionId, status, keyCount: 1, createdAt: stamp, updatedAt: stamp })

const acme = client('c-acme', 'Acme Logistics', 'gold', 2, 1)
const blue = client('c-blue', 'Bluebird', 'blue', 1, 1)
const live = { expiresAt: null }
const expired = { expiresAt: '2026-05-01T00:00:00Z' }

describe('licenceStanding: where a bundle\'s keys would land in this vault', () => {
  it('needs nothing for a bundle without keys, or with only expired keys (the import skips them)', () => {
    expect(licenceStanding(COLLECTION, [], [], [acme], NOW)).toEqual({ kind: 'not-needed' })
    expect(licenceStanding(COLLECTION, [expired, expired], [], [acme], NOW)).toEqual({ kind: 'not-needed' })
  })

  it('names the live licence of the collection and its client, active or inactive', () => {
    const active = licenceStanding(COLLECTION, [live], [licence('c-other', 'elsewhere', 'active'), licence('c-acme', COLLECTION, 'active')], [acme, blue], NOW)
    expect(active).toMatchObject({ kind: 'active', licence: { clientId: 'c-acme' }, client: { name: 'Acme Logistics' } })
    expect(licenceStanding(COLLECTION, [live], [licence('c-blue', COLLECTION, 'inactive')], [acme, blue], NOW)).toMatchObject({ kind: 'inactive', client: { name: 'Bluebird' } })
  })

  it('without a licence here, offers every client with the licences it can still bind, counting only unexpired keys', () => {
    const standing = licenceStanding(COLLECTION, [live, expired, { expiresAt: '2027-01-01T00:00:00Z' }], [licence('c-acme', 'elsewhere', 'active')], [acme, blue], NOW)
    expect(standing).toEqual({
      kind: 'none',
      keys: 2,
      choices: [
        { client: acme, free: 1 },
        { client: blue, free: 0 },
      ],
    })
  })
})
