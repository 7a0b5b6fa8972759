import { Anchor, Breadcrumbs, Button, Card, EmptyState, Text } from '@mantine/core'
import { IconDatabase, IconMapPin, IconServer, IconSitemap } from '@tabler/icons-react'
import { useSelection } from '../shell/selection'
import { PageHeader } from '../ui/page-header'

/**
 * Seed 003's records table lives here once the records domain exists. Until then the view says
 * which collection is selected and what will appear, and helps the admin get to a collection.
 */
export function RecordsView({ onOpenTopology }: { onOpenTopology(): void }) {
  const { ready, regions, region, servers, server, collections, collection } = useSelection()
  const openTopology = (
    <Button variant="light" leftSection={<IconSitemap size={16} />} onClick={onOpenTopology}>
      Open topology
    </Button>
  )

  if (!ready) return null

  if (!region) {
    return (
      <Card mt="xl" py={48}>
        <EmptyState
          icon={<IconMapPin size={28} />}
          variant="light"
          title="Choose a region in the navbar to begin"
          description={
            regions?.length === 0
              ? 'There are no regions yet. Add one with the + next to the region selector, or lay out regions, servers and collections in Topology.'
              : 'Keyward shows records one collection at a time: pick a region in the navbar, then a server and a collection at the top.'
          }
        >
          {regions?.length === 0 && <EmptyState.Actions>{openTopology}</EmptyState.Actions>}
        </EmptyState>
      </Card>
    )
  }

  if (!server || !collection) {
    const noServers = servers?.length === 0
    const noCollections = server && collections?.length === 0
    return (
      <Card mt="xl" py={48}>
        <EmptyState
          icon={noServers ? <IconServer size={28} /> : <IconDatabase size={28} />}
          variant="light"
          title={noServers ? `${region.name} has no servers yet` : noCollections ? `${server.name} has no collections yet` : 'Choose a server and a collection'}
          description={
            noServers
              ? 'Add the database servers of this region in Topology, then their collections.'
              : noCollections
                ? 'Add the customer databases of this server as collections in Topology.'
                : `Use the server and collection selectors at the top to pick one customer database in ${region.name}.`
          }
        >
          {(noServers || noCollections) && <EmptyState.Actions>{openTopology}</EmptyState.Actions>}
        </EmptyState>
      </Card>
    )
  }

  return (
    <>
      <PageHeader
        title="Records"
        description={
          <Breadcrumbs separator="›" component="span" fz="sm">
            <Text span size="sm" c="dimmed">
              {region.name}
            </Text>
            <Text span size="sm" c="dimmed">
              {server.name}
            </Text>
            <Text span size="sm" fw={600}>
              {collection.name}
            </Text>
          </Breadcrumbs>
        }
      />
      <Card py={48}>
        <EmptyState
          icon={<IconDatabase size={28} />}
          variant="light"
          title={`Collection ${collection.name} is selected`}
          description={
            <>
              Customer database on <Name>{server.name}</Name> in <Name>{region.name}</Name>. Its records — service users with their client IDs, X-API
              keys and REST/SOAP permissions — come with the records domain, which this build does not include yet.
            </>
          }
        >
          <EmptyState.Actions>
            <Anchor component="button" type="button" size="sm" onClick={onOpenTopology}>
              Manage regions, servers and collections
            </Anchor>
          </EmptyState.Actions>
        </EmptyState>
      </Card>
    </>
  )
}

/** A label that must not break at its hyphens (db-frankfurt-01). */
function Name({ children }: { children: string }) {
  return (
    <Text span inherit fw={600} style={{ whiteSpace: 'nowrap' }}>
      {children}
    </Text>
  )
}
