import { Card, EmptyState } from '@mantine/core'
import { IconDatabase, IconMapPin } from '@tabler/icons-react'
import type { ReactNode } from 'react'
import type { Collection, Region, Server } from '../../../shared/model'
import { useSelection } from '../shell/selection'

export interface ChosenCollection {
  region: Region
  server: Server
  collection: Collection
}

/** Renders `children` with the selected collection, or says how to choose one. */
export function CollectionRequired({ what, children }: { what: string; children(chosen: ChosenCollection): ReactNode }) {
  const { ready, region, server, collection } = useSelection()
  if (!ready) return null
  if (!region || !server || !collection) {
    return (
      <Card mt="xl" py={48}>
        <EmptyState
          icon={region ? <IconDatabase size={28} /> : <IconMapPin size={28} />}
          variant="light"
          title={region ? 'Choose a server and a collection' : 'Choose a region in the navbar to begin'}
          description={
            region
              ? `${what} belong to one collection: pick the server and the collection at the top.`
              : `${what} belong to one collection: pick a region in the navbar, then a server and a collection at the top.`
          }
        />
      </Card>
    )
  }
  return <>{children({ region, server, collection })}</>
}
