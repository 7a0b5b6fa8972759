import { Badge, Button, Group, SimpleGrid, Stack, Table, Text, VisuallyHidden } from '@mantine/core'
import { modals } from '@mantine/modals'
import { IconPlugConnectedX, IconRefresh } from '@tabler/icons-react'
import { useState, type ReactNode } from 'react'
import type { SyncStatus } from '../../../shared/contract/sync'
import { ORGANISATION_SCOPE } from '../../../shared/sync'
import { api } from '../api/client'
import { useRefresh } from '../api/refresh'
import { useAllCollections } from '../licences/use-all-collections'
import { notifyDone, notifyError } from '../ui/notify'
import { PageHeader } from '../ui/page-header'
import { SectionCard } from '../ui/section-card'
import { ConflictsList } from './conflicts-list'
import { ConnectForm } from './connect-form'
import { useSync } from './sync-context'
import { progressText, summaryText, when } from './sync-format'

/** The Sync section: connect this desktop to a remote instance, see how sync stands, resolve conflicts. */
export function SyncView() {
  const { status, reloadStatus } = useSync()
  return (
    <>
      <PageHeader
        title="Sync"
        description="Keep this desktop and the other desktops of your organisation in step through a remote Keyward instance, which API gateways also verify keys against."
      />
      <Stack gap="lg">
        {status && !status.configured && (
          <SectionCard title="Connect to a sync server" description="Sign in with your admin account on the remote instance. This desktop is registered as a device; its token is kept in the OS keychain (sealed in the vault where there is none).">
            <ConnectForm status={status} onConnected={reloadStatus} />
          </SectionCard>
        )}
        {status?.configured && (
          <>
            <StatusPanel status={status} />
            <CollectionsPanel status={status} />
            <ConflictsList />
          </>
        )}
      </Stack>
    </>
  )
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Stack gap={2}>
      <Text size="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </Stack>
  )
}

function StatusPanel({ status }: { status: SyncStatus }) {
  const { running, progress, syncAndRefresh, reloadStatus } = useSync()
  const { refresh } = useRefresh()
  const [leaving, setLeaving] = useState(false)
  const last = status.lastRun

  const disconnect = () =>
    modals.openConfirmModal({
      title: 'Disconnect this desktop?',
      children: (
        <Stack gap="xs">
          <Text size="sm">
            This desktop is revoked on {status.serverUrl} (when the server can be reached), and its device token and the organisation sync key are forgotten here.
          </Text>
          <Text size="sm">
            Local data stays on this desktop
            {status.pending > 0 ? `, and the ${status.pending.toLocaleString('en-GB')} changes not yet sent stay queued for the next server you connect to` : ''}. Connecting again needs your password
            and the organisation passphrase, and starts with a preview.
          </Text>
        </Stack>
      ),
      labels: { confirm: 'Disconnect', cancel: 'Stay connected' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        setLeaving(true)
        const result = await api.invoke('sync.disconnect', {})
        setLeaving(false)
        if (!result.ok) return notifyError(result.error, 'Not disconnected')
        notifyDone(`This desktop is disconnected from ${status.serverUrl}.`)
        reloadStatus()
        refresh()
      },
    })

  return (
    <SectionCard
      title="Connected"
      description="Press the red refresh button at the top to sync the chosen collection; a collection’s first sync shows what it would change before anything is applied."
      actions={
        <>
          <Button leftSection={<IconRefresh size={16} />} onClick={() => void syncAndRefresh(null)} loading={running}>
            Sync every collection
          </Button>
          <Button variant="outline" color="red" leftSection={<IconPlugConnectedX size={16} />} onClick={disconnect} loading={leaving}>
            Disconnect
          </Button>
        </>
      }
    >
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="lg" verticalSpacing="md">
        <Fact label="Server">
          <Group gap={6} wrap="nowrap">
            <Text size="sm" truncate>
              {status.serverUrl}
            </Text>
            {status.online === true && (
              <Badge c="var(--mantine-color-text)" color="teal" variant="light" size="sm">
                Reachable
              </Badge>
            )}
            {status.online === false && (
              <Badge c="var(--mantine-color-text)" color="red" variant="light" size="sm">
                Unreachable
              </Badge>
            )}
          </Group>
        </Fact>
        <Fact label="Signed in as">{status.username}</Fact>
        <Fact label="This device">
          {status.deviceName}
          <Text size="xs" c="dimmed">
            {status.tokenStorage === 'keychain' ? 'Device token in the OS keychain' : status.tokenStorage === 'vault' ? 'Device token sealed in the vault (no OS keychain here)' : ''}
          </Text>
        </Fact>
        <Fact label="Pending changes">{status.pending === 0 ? 'None: everything is sent' : `${status.pending.toLocaleString('en-GB')} waiting to be sent`}</Fact>
        <Fact label="Open conflicts">
          {status.openConflicts === 0 ? (
            'None'
          ) : (
            <Badge c="var(--mantine-color-text)" color="orange" variant="light" tt="none">
              {status.openConflicts} to resolve below
            </Badge>
          )}
        </Fact>
        <Fact label="Last run">
          {running && progress ? (
            progressText(progress)
          ) : last ? (
            <>
              {when(last.finishedAt)}: {summaryText(last)}
              {last.error && (
                <Text size="sm" c="red.8">
                  Stopped early: {last.error.message}
                </Text>
              )}
            </>
          ) : (
            'Not run yet'
          )}
        </Fact>
      </SimpleGrid>
    </SectionCard>
  )
}

function CollectionsPanel({ status }: { status: SyncStatus }) {
  const { running, syncAndRefresh } = useSync()
  const collections = useAllCollections()
  const byId = new Map((collections ?? []).map((c) => [c.id, c]))
  const states = new Map(status.collections.map((s) => [s.collectionId, s]))
  // The organisation-wide scope, every local collection, then any the status names that is not here (yet).
  const rows = [ORGANISATION_SCOPE, ...(collections ?? []).map((c) => c.id), ...status.collections.map((s) => s.collectionId).filter((id) => id !== ORGANISATION_SCOPE && !byId.has(id))]

  return (
    <SectionCard title="Collections" description="When each collection was last synced from this desktop and what waits to be sent.">
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No collections yet: add them in Topology, or sync every collection to receive them from the server.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs" fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Collection</Table.Th>
                <Table.Th>Last sync</Table.Th>
                <Table.Th>Pending</Table.Th>
                <Table.Th w={120}>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((id) => {
                const c = byId.get(id)
                const state = states.get(id)
                const organisation = id === ORGANISATION_SCOPE
                const name = organisation ? 'Organisation-wide' : (c?.name ?? 'Not on this desktop yet')
                return (
                  <Table.Tr key={id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {name}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {organisation ? 'Regions, servers, collections, clients, application kinds' : c ? `${c.regionName} / ${c.serverName}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {state?.lastSyncAt ? (
                        when(state.lastSyncAt)
                      ) : (
                        <Badge c="var(--mantine-color-text)" variant="light" color="gray" tt="none">
                          Never: first sync shows a preview
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{(state?.pending ?? 0).toLocaleString('en-GB')}</Table.Td>
                    <Table.Td>
                      {!organisation && (
                        <Button size="compact-sm" variant="light" disabled={running} onClick={() => void syncAndRefresh(id)} aria-label={`Sync ${name}`}>
                          Sync
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                )
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </SectionCard>
  )
}
