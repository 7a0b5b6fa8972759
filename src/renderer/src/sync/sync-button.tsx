import { ActionIcon, Badge, Button, Group, Progress, Stack, Text, Tooltip } from '@mantine/core'
import { useInterval } from '@mantine/hooks'
import { IconCloudUpload, IconRefresh } from '@tabler/icons-react'
import { useState } from 'react'
import { ORGANISATION_SCOPE } from '../../../shared/sync'
import { useBusy } from '../api/refresh'
import { useSelection } from '../shell/selection'
import { useSync } from './sync-context'
import { ago, progressPercent, progressText, when } from './sync-format'

/**
 * Seed 003's red circular arrows. With sync configured they sync the selected collection (or
 * every synced one) and reload; beside them, the collection's last sync and its pending
 * changes. Without sync they reload and offer to set it up.
 */
export function SyncButton() {
  const { collection } = useSelection()
  const { busy } = useBusy()
  const { status, running, progress, syncAndRefresh, openSync } = useSync()
  const now = useNow()
  const configured = status?.configured === true
  const stateOf = (id: string) => status?.collections.find((c) => c.collectionId === id)
  const state = collection ? stateOf(collection.id) : undefined
  // A collection's sync also sends the organisation-wide changes (topology, clients), so they count here.
  const pending = collection ? (state?.pending ?? 0) + (stateOf(ORGANISATION_SCOPE)?.pending ?? 0) : (status?.pending ?? 0)
  const lastSyncAt = collection ? (state?.lastSyncAt ?? null) : (status?.lastRun?.finishedAt ?? null)

  const label = !configured ? 'Refresh data' : collection ? `Sync ${collection.name} and refresh` : 'Sync every collection and refresh'
  const percent = progress ? progressPercent(progress) : null

  return (
    <Group gap="sm" wrap="nowrap">
      <Tooltip label={label}>
        <ActionIcon
          color="red"
          variant="filled"
          radius="xl"
          size={36}
          aria-label={configured ? 'Sync and refresh' : 'Refresh'}
          onClick={() => void syncAndRefresh(collection?.id ?? null)}
          loading={running || busy > 0}
        >
          <IconRefresh size={20} stroke={2} />
        </ActionIcon>
      </Tooltip>
      {configured && running && (
        <Stack gap={4} w={130} role="status" aria-label="Sync progress">
          <Text size="xs" fw={500} truncate>
            {progress ? progressText(progress) : 'Starting sync…'}
          </Text>
          <Progress value={percent ?? 100} animated={percent === null} striped={percent === null} size="sm" aria-label="Sync progress" />
        </Stack>
      )}
      {configured && !running && (
        <Stack gap={2} miw={0}>
          <Tooltip label={lastSyncAt ? `Last synced ${when(lastSyncAt)}` : 'Not synced from this desktop yet'}>
            <Text size="xs" c="dimmed" truncate tabIndex={0}>
              {lastSyncAt ? `Synced ${ago(lastSyncAt, now)}` : collection && state?.initialDone !== true ? 'Never synced' : 'Not synced yet'}
            </Text>
          </Tooltip>
          {pending > 0 ? (
            <Badge c="var(--mantine-color-text)" size="sm" color="orange" variant="light" tt="none" aria-label={`${pending} changes waiting to be sent`}>
              {pending.toLocaleString('en-GB')} pending
            </Badge>
          ) : (
            <Text size="xs" c="dimmed">
              Nothing pending
            </Text>
          )}
        </Stack>
      )}
      {status && !configured && (
        <Button variant="subtle" size="compact-sm" leftSection={<IconCloudUpload size={16} />} onClick={openSync}>
          Set up sync
        </Button>
      )}
    </Group>
  )
}

/** Re-renders every 30 s so "5 min ago" stays true. */
function useNow(): number {
  const [now, setNow] = useState(Date.now)
  useInterval(() => setNow(Date.now()), 30_000, { autoInvoke: true })
  return now
}
