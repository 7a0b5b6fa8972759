import { Group, Select } from '@mantine/core'
import { IconDatabase, IconServer } from '@tabler/icons-react'
import { SyncButton } from '../sync/sync-button'
import { useSelection } from './selection'

/**
 * Seed 003's "select the collection": server and collection of the chosen region, then the red
 * circular arrows that sync (when set up) and reload what is shown.
 */
export function ScopeBar() {
  const { region, servers, server, collections, collection, selectServer, selectCollection } = useSelection()

  return (
    <Group gap="sm" wrap="nowrap">
      {region && (
        <>
          <Select
            aria-label="Server"
            placeholder={servers?.length === 0 ? 'No servers in this region' : 'Choose a server'}
            data={(servers ?? []).map((s) => ({ value: s.id, label: s.name }))}
            value={server?.id ?? null}
            onChange={selectServer}
            leftSection={<IconServer size={16} />}
            disabled={!servers || servers.length === 0}
            allowDeselect={false}
            searchable
            nothingFoundMessage="No server with that name"
            w={220}
          />
          <Select
            aria-label="Collection"
            placeholder={!server ? 'Choose a server first' : collections?.length === 0 ? 'No collections on this server' : 'Choose a collection'}
            data={(collections ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={collection?.id ?? null}
            onChange={selectCollection}
            leftSection={<IconDatabase size={16} />}
            disabled={!server || !collections || collections.length === 0}
            allowDeselect={false}
            searchable
            nothingFoundMessage="No collection with that name"
            w={240}
          />
        </>
      )}
      <SyncButton />
    </Group>
  )
}
