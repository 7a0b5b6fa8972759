import { useEffect, useState } from 'react'
import type { Collection } from '../../../shared/model'
import { api } from '../api/client'
import { useRefresh } from '../api/refresh'

export interface PlacedCollection extends Collection {
  regionName: string
  serverName: string
}

const TOPOLOGY_DOMAINS = new Set(['regions', 'servers', 'collections'])

/**
 * Every collection of every region with where it lives: licences bind collections anywhere,
 * not only in the region chosen in the navbar.
 */
export function useAllCollections(): PlacedCollection[] | undefined {
  const { generation } = useRefresh()
  const [nonce, setNonce] = useState(0)
  const [collections, setCollections] = useState<PlacedCollection[]>()

  useEffect(() => api.on('data.changed', ({ domain }) => TOPOLOGY_DOMAINS.has(domain) && setNonce((n) => n + 1)), [])

  useEffect(() => {
    let current = true
    void (async () => {
      const regions = await api.invoke('regions.list', {})
      if (!regions.ok) return
      const placed = await Promise.all(
        regions.value.map(async (region) => {
          const [servers, cols] = await Promise.all([api.invoke('servers.list', { regionId: region.id }), api.invoke('collections.list', { regionId: region.id })])
          if (!servers.ok || !cols.ok) return []
          const serverName = new Map(servers.value.map((s) => [s.id, s.name]))
          return cols.value.map((c) => ({ ...c, regionName: region.name, serverName: serverName.get(c.serverId) ?? '' }))
        }),
      )
      if (current) setCollections(placed.flat())
    })()
    return () => {
      current = false
    }
  }, [generation, nonce])

  return collections
}
