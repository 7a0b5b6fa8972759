import { SimpleGrid } from '@mantine/core'
import { IconDatabase, IconMapPin, IconServer } from '@tabler/icons-react'
import { api } from '../api/client'
import { useSelection } from '../shell/selection'
import { PageHeader } from '../ui/page-header'
import { TopologyColumn } from './topology-column'

/** Regions → servers → collections, managed side by side; picking a row is the app's selection. */
export function TopologyView() {
  const { regions, region, servers, server, collections, collection, selectRegion, selectServer, selectCollection } = useSelection()

  return (
    <>
      <PageHeader
        title="Topology"
        description="Regions hold database servers; each server holds collections, one per customer database. Selecting a row here selects it everywhere."
      />
      <SimpleGrid cols={{ base: 1, md: 3 }} spacing="lg">
        <TopologyColumn
          noun="region"
          title="Regions"
          icon={<IconMapPin size={18} />}
          items={regions}
          selectedId={region?.id}
          onSelect={selectRegion}
          create={(name) => api.call('regions.create', { name })}
          rename={(id, name) => api.call('regions.rename', { id, name })}
          remove={(id) => api.call('regions.delete', { id })}
          parentLabel="On this device"
          deleteWarning="A region that still has servers cannot be deleted; delete its servers first."
        />
        <TopologyColumn
          noun="server"
          title="Servers"
          icon={<IconServer size={18} />}
          needsParent={region ? undefined : 'Choose a region to see its servers.'}
          parentLabel={region ? `in ${region.name}` : undefined}
          items={servers}
          selectedId={server?.id}
          onSelect={selectServer}
          create={(name) => api.call('servers.create', { regionId: region!.id, name })}
          rename={(id, name) => api.call('servers.rename', { id, name })}
          remove={(id) => api.call('servers.delete', { id })}
          deleteWarning="A server that still has collections cannot be deleted; delete its collections first."
        />
        <TopologyColumn
          noun="collection"
          title="Collections"
          icon={<IconDatabase size={18} />}
          needsParent={server ? undefined : region ? 'Choose a server to see its collections.' : 'Choose a region and a server to see collections.'}
          parentLabel={server ? `on ${server.name}` : undefined}
          items={collections}
          selectedId={collection?.id}
          onSelect={selectCollection}
          create={(name) => api.call('collections.create', { serverId: server!.id, name })}
          rename={(id, name) => api.call('collections.rename', { id, name })}
          remove={(id) => api.call('collections.delete', { id })}
          deleteWarning="The collection disappears from every list on this device."
        />
      </SimpleGrid>
    </>
  )
}
