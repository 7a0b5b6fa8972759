import { Badge, Button, Code, EmptyState, Stack, Switch, Table, Text } from '@mantine/core'
import { IconCircleCheck } from '@tabler/icons-react'
import { useState } from 'react'
import { type Conflict, isSecretField, ORGANISATION_SCOPE, SYNC_ENTITIES, type SyncEntity, type SyncValue } from '../../../shared/sync'
import { api } from '../api/client'
import { useRefresh } from '../api/refresh'
import { useApiQuery } from '../api/use-api-query'
import { useAllCollections } from '../licences/use-all-collections'
import { notifyDone, notifyError, useQueryErrorNotice } from '../ui/notify'
import { SectionCard } from '../ui/section-card'
import { useSync } from './sync-context'
import { entityLabel, fieldLabel, when } from './sync-format'
import { labelKey, useEntityLabels } from './use-entity-labels'

const KIND_LABELS: Record<Conflict['kind'], string> = {
  ONE_ACTIVE_KEY: 'One active key per application',
  TIER_LIMIT: 'Tier limit',
  COLLECTION_TAKEN: 'Collection already licensed',
}

/** A value as the admin compares it; secret fields never show theirs. */
function ValueText({ entity, field, value }: { entity: string; field: string | null; value: SyncValue }) {
  if (field && entity in SYNC_ENTITIES && isSecretField(entity as SyncEntity, field)) return <Text size="sm" c="dimmed">(secret, not shown)</Text>
  if (value === null) return <Text size="sm" c="dimmed">not set</Text>
  const text = Array.isArray(value) ? (value.length ? value.join(', ') : 'empty list') : String(value)
  return (
    <Code fz="sm" style={{ overflowWrap: 'anywhere' }}>
      {text}
    </Code>
  )
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g
const idsIn = (text: string): string[] => text.match(UUID) ?? []

/** The server's message with each id of a row this desktop can name replaced by “its name”. */
function named(message: string, entity: string, labels: Map<string, string>): string {
  return message.replace(UUID, (id) => {
    const label = labels.get(labelKey({ entity, entityId: id }))
    return label ? `“${label}”` : id
  })
}

/**
 * Conflicts the server raised for this desktop's changes (licence rules): nothing is dropped
 * silently, the admin keeps the server's value or applies theirs again after fixing the cause.
 */
export function ConflictsList() {
  const { refresh } = useRefresh()
  const { reloadStatus } = useSync()
  const [includeResolved, setIncludeResolved] = useState(false)
  const [working, setWorking] = useState<string | null>(null)
  const query = useApiQuery('sync.conflicts', { includeResolved }, ['sync'])
  useQueryErrorNotice(query.error)
  const conflicts = query.data?.conflicts
  // Conflicts name rows by id, in their message too: the names the domains know replace them.
  const labels = useEntityLabels((conflicts ?? []).flatMap((c) => [c, ...idsIn(c.message).map((entityId) => ({ entity: c.entity, entityId }))]))
  const collections = useAllCollections()
  const collectionName = (id: string) => (id === ORGANISATION_SCOPE ? 'Organisation-wide' : (collections?.find((c) => c.id === id)?.name ?? 'A collection not on this desktop'))

  const resolve = async (conflict: Conflict, resolution: 'keep_server' | 'reapply') => {
    setWorking(`${conflict.id}:${resolution}`)
    const result = await api.invoke('sync.resolveConflict', { id: conflict.id, resolution })
    setWorking(null)
    if (!result.ok) return notifyError(result.error, 'Conflict not resolved')
    notifyDone(resolution === 'keep_server' ? 'The server’s value is kept.' : 'Your value will be sent again with the next sync.')
    query.reload()
    reloadStatus()
    refresh()
  }

  return (
    <SectionCard
      title="Conflicts"
      description="Changes from this desktop that the server refused because they would break a licence rule."
      actions={<Switch label="Show resolved" checked={includeResolved} onChange={(e) => setIncludeResolved(e.currentTarget.checked)} />}
    >
      {conflicts && conflicts.length === 0 && (
        <EmptyState
          icon={<IconCircleCheck size={28} />}
          variant="light"
          title={includeResolved ? 'No conflicts' : 'No open conflicts'}
          description="Every change this desktop sent was accepted."
        />
      )}
      {conflicts && conflicts.length > 0 && (
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing="sm" fz="sm" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Conflict</Table.Th>
                <Table.Th w={180}>Item</Table.Th>
                <Table.Th w={120}>Mine</Table.Th>
                <Table.Th w={120}>Server’s</Table.Th>
                <Table.Th w={190}>Resolve</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {conflicts.map((c) => {
                const label = labels.get(labelKey(c))
                return (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Stack gap={4}>
                        <Badge c="var(--mantine-color-text)" variant="light" color={c.resolvedAt ? 'gray' : 'orange'} tt="none">
                          {KIND_LABELS[c.kind]}
                        </Badge>
                        <Text size="sm">{named(c.message, c.entity, labels)}</Text>
                        <Text size="xs" c="dimmed">
                          {collectionName(c.collectionId)} · {when(c.detectedAt)}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {label ?? `${entityLabel(c.entity)} ${c.entityId.slice(0, 8)}`}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {entityLabel(c.entity)}
                        {c.field ? ` · ${fieldLabel(c.field)}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <ValueText entity={c.entity} field={c.field} value={c.proposedValue} />
                    </Table.Td>
                    <Table.Td>
                      <ValueText entity={c.entity} field={c.field} value={c.currentValue} />
                    </Table.Td>
                    <Table.Td>
                      {c.resolvedAt ? (
                        <Text size="sm" c="dimmed">
                          {c.resolution === 'reapplied' ? 'Applied mine again' : 'Kept the server’s value'} · {when(c.resolvedAt)}
                        </Text>
                      ) : (
                        <Stack gap={6} align="flex-start">
                          <Button
                            size="compact-sm"
                            variant="default"
                            loading={working === `${c.id}:keep_server`}
                            disabled={working !== null}
                            onClick={() => void resolve(c, 'keep_server')}
                          >
                            Keep server’s value
                          </Button>
                          <Button
                            size="compact-sm"
                            variant="light"
                            loading={working === `${c.id}:reapply`}
                            disabled={working !== null}
                            onClick={() => void resolve(c, 'reapply')}
                          >
                            Apply mine again
                          </Button>
                        </Stack>
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
