import type { InProcessClient } from '../../src/core/client'
import type { Tier } from '../../src/shared/licensing'
import { makeTopology } from './core'

/** Region → server → collection, a client of `tier` and its licence bound to the collection. */
export async function makeLicensedCollection(client: InProcessClient, tier: Tier = 'gold') {
  const topology = await makeTopology(client)
  const customer = await client.call('clients.create', { name: 'Acme', tier })
  const licence = await client.call('licences.create', { clientId: customer.id, collectionId: topology.collection.id })
  return { ...topology, customer, licence }
}

/** A mutable clock for createKeyward({ clock }). */
export function testClock(start = '2026-01-15T10:00:00.000Z') {
  let now = new Date(start).getTime()
  return {
    clock: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
    set(iso: string) {
      now = new Date(iso).getTime()
    },
    get now() {
      return new Date(now)
    },
  }
}

export const HOUR = 3_600_000
export const MINUTE = 60_000
