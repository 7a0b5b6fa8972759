import { Button, Card, EmptyState, Group, Text, Tooltip } from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { modals } from '@mantine/modals'
import { IconDatabase, IconMapPin, IconSearch, IconServer, IconSitemap, IconUserPlus, IconUsers } from '@tabler/icons-react'
import { useMemo, useState } from 'react'
import type { RecordRow, RecordSortField } from '../../../shared/contract/records'
import type { ServiceUser } from '../../../shared/contract/users'
import { api } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { SearchField } from '../ui/search-field'
import { notifyDone, notifyError, useQueryErrorNotice } from '../ui/notify'
import { PermissionsModal } from './permissions-modal'
import { type RecordAction, RecordsTable } from './records-table'
import { GenerateTokenModal, TokenHistoryModal } from './token-modals'
import { UserFormModal } from './user-form-modal'
import { type RecordsQuery, useRecordPages } from './use-record-pages'
import { useSelection } from '../shell/selection'
import { BundleMenu, ImportBundleButton } from '../bundles/bundle-menu'
import type { ChosenCollection } from '../ui/collection-required'
import { CollectionHeader } from '../ui/collection-header'

/**
 * Seed 003's main screen: the service users of the chosen collection with their client IDs,
 * X-API keys and operations. Before a collection is chosen it says what to pick, and where.
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
          <EmptyState.Actions>
            {regions?.length === 0 && openTopology}
            <ImportBundleButton />
          </EmptyState.Actions>
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
          <EmptyState.Actions>
            {(noServers || noCollections) && openTopology}
            <ImportBundleButton />
          </EmptyState.Actions>
        </EmptyState>
      </Card>
    )
  }

  return <CollectionRecords chosen={{ region, server, collection }} />
}

type Open =
  | { kind: 'rest' | 'soap' | 'token' | 'history'; row: RecordRow }
  | { kind: 'user'; user: ServiceUser | null }
  | null

function CollectionRecords({ chosen }: { chosen: ChosenCollection }) {
  const regionId = chosen.region.id
  const serverId = chosen.server.id
  const collectionId = chosen.collection.id
  const [search, setSearch] = useState('')
  const [debounced] = useDebouncedValue(search, 150)
  const [sort, setSort] = useState<{ field: RecordSortField; dir: 'asc' | 'desc' }>({ field: 'username', dir: 'asc' })
  const [open, setOpen] = useState<Open>(null)
  const query = useMemo<RecordsQuery>(() => ({ regionId, serverId, collectionId, search: debounced, sort }), [regionId, serverId, collectionId, debounced, sort])
  const pages = useRecordPages(query)
  useQueryErrorNotice(pages.error)
  const keys = useApiQuery('keys.list', { collectionId }, ['keys'])

  const onSort = (field: RecordSortField) => setSort((s) => (s.field === field ? { field, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { field, dir: 'asc' }))

  const onAction = async (action: RecordAction, row: RecordRow) => {
    if (action === 'rest' || action === 'soap' || action === 'token' || action === 'history') return setOpen({ kind: action, row })
    if (action === 'edit') {
      const user = await api.invoke('users.get', { id: row.userId })
      if (!user.ok) return notifyError(user.error, 'Could not open the user')
      return setOpen({ kind: 'user', user: user.value })
    }
    if (action === 'toggle-status') {
      const status = row.status === 'active' ? 'inactive' : 'active'
      const result = await api.invoke('users.setStatus', { id: row.userId, status })
      if (!result.ok) return notifyError(result.error, 'Status not changed')
      return notifyDone(`${row.username} is ${status === 'active' ? 'enabled' : 'disabled'}.`)
    }
    modals.openConfirmModal({
      title: `Delete ${row.username}?`,
      children: (
        <Text size="sm">
          The service user is removed and every token issued to it is revoked at once. Integrations signing in as {row.username} stop working. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Delete user', cancel: 'Keep it' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        const result = await api.invoke('users.delete', { id: row.userId })
        if (!result.ok) return notifyError(result.error, 'User not deleted')
        notifyDone(`${row.username} deleted.`)
      },
    })
  }

  const noKeys = keys.data?.length === 0
  const addUser = (
    <Tooltip label="Add an API key to this collection first (API keys section)" disabled={!noKeys}>
      <Button leftSection={<IconUserPlus size={16} />} onClick={() => setOpen({ kind: 'user', user: null })} disabled={noKeys} data-disabled={noKeys || undefined}>
        Add service user
      </Button>
    </Tooltip>
  )
  const searching = debounced.trim() !== ''
  const empty = pages.total === 0

  return (
    <>
      <CollectionHeader
        title="Records"
        place={{ region: chosen.region.name, server: chosen.server.name, collection: chosen.collection.name }}
        actions={
          <>
            <BundleMenu chosen={chosen} />
            {addUser}
          </>
        }
      />
      <Group justify="space-between" mb="md" wrap="nowrap" gap="md">
        <SearchField label="Search records" placeholder="Search username, client ID, key name or hint" value={search} onChange={setSearch} flex={1} maw={520} type="search" />
        <Text size="sm" c="dimmed" aria-live="polite" data-testid="records-total">
          {pages.total === undefined ? 'Loading…' : `${pages.total.toLocaleString('en-GB')} ${pages.total === 1 ? 'record' : 'records'}`}
        </Text>
      </Group>
      {empty && !pages.loading ? (
        <Card py={48}>
          {searching ? (
            <EmptyState icon={<IconSearch size={28} />} variant="light" title={`No records match "${debounced.trim()}"`} description="Search looks at usernames, client IDs, key names and key hints; a pasted user id, key id or whole key also works.">
              <EmptyState.Actions>
                <Button variant="default" onClick={() => setSearch('')}>
                  Clear search
                </Button>
              </EmptyState.Actions>
            </EmptyState>
          ) : (
            <EmptyState
              icon={<IconUsers size={28} />}
              variant="light"
              title={`No service users in ${chosen.collection.name} yet`}
              description={
                noKeys
                  ? 'Service users sign in with one of the collection’s API keys. Issue a key in the API keys section, then add the first user here.'
                  : 'A service user is what an integration signs in with: username, client ID and password on one of this collection’s API keys.'
              }
            >
              <EmptyState.Actions>{addUser}</EmptyState.Actions>
            </EmptyState>
          )}
        </Card>
      ) : (
        <RecordsTable pages={pages} sort={sort} onSort={onSort} onAction={onAction} />
      )}
      {(open?.kind === 'rest' || open?.kind === 'soap') && <PermissionsModal row={open.row} kind={open.kind} onClose={() => setOpen(null)} />}
      {open?.kind === 'token' && <GenerateTokenModal row={open.row} onClose={() => setOpen(null)} />}
      {open?.kind === 'history' && <TokenHistoryModal row={open.row} onClose={() => setOpen(null)} />}
      {open?.kind === 'user' && <UserFormModal collectionId={collectionId} user={open.user} onClose={() => setOpen(null)} />}
    </>
  )
}
