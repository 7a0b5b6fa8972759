import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import type { Collection, Region, Server } from '../../../shared/model'
import { api } from '../api/client'
import { nextStamp, useApiQuery } from '../api/use-api-query'
import { notifyError, useQueryErrorNotice } from '../ui/notify'

interface Ids {
  regionId: string | null
  serverId: string | null
  collectionId: string | null
  /** Lists loaded by requests stamped above this can judge whether the ids still exist. */
  since: number
}

export interface Selection {
  /** False until the last choice has been read back from the preferences. */
  ready: boolean
  regions: Region[] | undefined
  servers: Server[] | undefined
  collections: Collection[] | undefined
  region: Region | undefined
  server: Server | undefined
  collection: Collection | undefined
  selectRegion(id: string | null): void
  selectServer(id: string | null): void
  selectCollection(id: string | null): void
  /** All three at once, e.g. a collection that an import just created. */
  selectPlace(place: { regionId: string; serverId: string; collectionId: string }): void
}

const SelectionContext = createContext<Selection | null>(null)

export function useSelection(): Selection {
  const value = useContext(SelectionContext)
  if (!value) throw new Error('useSelection() outside <SelectionProvider>')
  return value
}

const none: Ids = { regionId: null, serverId: null, collectionId: null, since: 0 }

function remember(ids: Ids): void {
  void api.invoke('prefs.set', { lastRegionId: ids.regionId, lastServerId: ids.serverId, lastCollectionId: ids.collectionId }).then((r) => {
    if (!r.ok) notifyError(r.error, 'Could not remember the selection')
  })
}

/**
 * Region → server → collection, as chosen in the navbar and header. The choice is saved in the
 * preferences and restored after unlock; a remembered item that no longer exists (deleted,
 * or another data dir) is dropped quietly.
 */
export function SelectionProvider({ children }: { children: ReactNode }) {
  const [ids, setIds] = useState<Ids | null>(null)

  useEffect(() => {
    let current = true
    void api.invoke('prefs.get', {}).then((r) => {
      if (!current) return
      if (r.ok) setIds({ regionId: r.value.lastRegionId, serverId: r.value.lastServerId, collectionId: r.value.lastCollectionId, since: nextStamp() })
      else {
        notifyError(r.error, 'Could not read the last selection')
        setIds(none)
      }
    })
    return () => {
      current = false
    }
  }, [])

  const regions = useApiQuery('regions.list', ids ? {} : null, ['regions'])
  const region = regions.data?.find((r) => r.id === ids?.regionId)
  const servers = useApiQuery('servers.list', region ? { regionId: region.id } : null, ['servers'])
  const server = servers.data?.find((s) => s.id === ids?.serverId)
  const collections = useApiQuery('collections.list', server ? { serverId: server.id } : null, ['collections'])
  const collection = collections.data?.find((c) => c.id === ids?.collectionId)

  // What the lists say is gone is dropped, judged only by lists asked for after the choice was
  // made (a list loaded before "create, then select" does not know the new item yet).
  const regionGone = !!ids?.regionId && !!regions.data && regions.stamp > ids.since && !region
  const serverGone = !!ids?.serverId && !!servers.data && servers.stamp > ids.since && !server
  const collectionGone = !!ids?.collectionId && !!collections.data && collections.stamp > ids.since && !collection
  const effective = useMemo<Ids | null>(() => {
    if (!ids) return null
    if (regionGone) return { ...none, since: ids.since }
    if (serverGone) return { ...ids, serverId: null, collectionId: null }
    if (collectionGone) return { ...ids, collectionId: null }
    return ids
  }, [ids, regionGone, serverGone, collectionGone])
  useEffect(() => {
    if (effective && effective !== ids) remember(effective)
  }, [effective, ids])

  useQueryErrorNotice(regions.error)
  useQueryErrorNotice(servers.error)
  useQueryErrorNotice(collections.error)

  const { reload: reloadRegions } = regions
  const { reload: reloadServers } = servers
  const { reload: reloadCollections } = collections
  const choose = useCallback(
    (update: (ids: Omit<Ids, 'since'>) => Omit<Ids, 'since'>) => {
      const previous = effective ?? none
      const changed = update(previous)
      if (previous.regionId === changed.regionId && previous.serverId === changed.serverId && previous.collectionId === changed.collectionId) return
      const next = { ...changed, since: nextStamp() }
      setIds(next)
      remember(next)
      // Something just created is not in the lists yet: ask again rather than wait for the event.
      const known = (list: { id: string }[] | undefined, id: string | null) => !id || list?.some((item) => item.id === id)
      if (!known(regions.data, next.regionId)) reloadRegions()
      if (!known(servers.data, next.serverId)) reloadServers()
      if (!known(collections.data, next.collectionId)) reloadCollections()
    },
    [effective, regions.data, servers.data, collections.data, reloadRegions, reloadServers, reloadCollections],
  )

  const value = useMemo<Selection>(
    () => ({
      ready: ids !== null && regions.data !== undefined,
      regions: regions.data,
      servers: servers.data,
      collections: collections.data,
      region,
      server,
      collection,
      selectRegion: (regionId) => choose((p) => (p.regionId === regionId ? p : { regionId, serverId: null, collectionId: null })),
      selectServer: (serverId) => choose((p) => (p.serverId === serverId ? p : { ...p, serverId, collectionId: null })),
      selectCollection: (collectionId) => choose((p) => ({ ...p, collectionId })),
      selectPlace: ({ regionId, serverId, collectionId }) => choose(() => ({ regionId, serverId, collectionId })),
    }),
    [ids, regions.data, servers.data, collections.data, region, server, collection, choose],
  )

  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>
}
