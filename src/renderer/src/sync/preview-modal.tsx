import { Alert, Badge, Button, Group, Loader, Modal, Stack, Table, Text, Title, Tooltip } from '@mantine/core'
import { IconAlertTriangle, IconInfoCircle, IconLock } from '@tabler/icons-react'
import { useEffect, useState } from 'react'
import type { SyncPreview } from '../../../shared/contract/sync'
import { isSecretField, ORGANISATION_SCOPE, SYNC_ENTITIES, type SyncEntity } from '../../../shared/sync'
import { api, type ApiError, toApiError } from '../api/client'
import { useAllCollections } from '../licences/use-all-collections'
import { entityLabel, fieldLabel } from './sync-format'
import { labelKey, useEntityLabels } from './use-entity-labels'

type PreviewItem = SyncPreview['push'][number]

const CHANGE_COLORS = { create: 'teal', update: 'indigo', delete: 'red' } as const
const CHANGE_LABELS = { create: 'New', update: 'Changed', delete: 'Deleted' } as const

/**
 * The dry-run diff a first sync waits for (DESIGN §6): for each scope not synced yet (the
 * organisation-wide scope, the collection or collections), what this desktop would send,
 * what it would receive and what changed on both sides. Field names only, never values.
 */
export function PreviewModal({ scopes, everything, onClose, onConfirm }: { scopes: string[] | null; everything: boolean; onClose(): void; onConfirm(): void }) {
  return (
    <Modal opened={scopes !== null} onClose={onClose} title="Review the first sync" size={860}>
      {scopes && <Preview scopes={scopes} everything={everything} onClose={onClose} onConfirm={onConfirm} />}
    </Modal>
  )
}

type Loaded = { scope: string; preview: SyncPreview } | { scope: string; error: ApiError }

function Preview({ scopes, everything, onClose, onConfirm }: { scopes: string[]; everything: boolean; onClose(): void; onConfirm(): void }) {
  const [loaded, setLoaded] = useState<Loaded[] | null>(null)
  const collections = useAllCollections()
  const key = scopes.join(',')

  useEffect(() => {
    let current = true
    void Promise.all(
      key.split(',').map((scope) =>
        api.call('sync.preview', { collectionId: scope }).then(
          (preview): Loaded => ({ scope, preview }),
          (failure: unknown): Loaded => ({ scope, error: toApiError(failure) }),
        ),
      ),
    ).then((all) => current && setLoaded(all))
    return () => {
      current = false
    }
  }, [key])

  const failed = loaded?.some((l) => 'error' in l) ?? false
  const scopeTitle = (scope: string) => {
    if (scope === ORGANISATION_SCOPE) return 'Organisation-wide: regions, servers, collections, clients and application kinds'
    const c = collections?.find((x) => x.id === scope)
    return c ? `Collection ${c.name} (${c.regionName} / ${c.serverName})` : 'A collection not on this desktop yet'
  }

  return (
    <Stack gap="lg">
      <Text size="sm">
        This desktop has not synced {scopes.length === 1 ? 'this' : 'these'} with the server yet. Nothing has been sent or applied: check what the first sync would do, then confirm.
        {everything && ' Collections the server holds that this desktop has not received yet are received with them.'}
      </Text>
      {!loaded && (
        <Group gap="sm">
          <Loader size="sm" />
          <Text size="sm">Comparing this desktop with the server…</Text>
        </Group>
      )}
      {loaded?.map((l) => (
        <Stack key={l.scope} gap="sm" component="section" aria-label={scopeTitle(l.scope)}>
          <Title order={3} fz="md">
            {scopeTitle(l.scope)}
          </Title>
          {'error' in l ? (
            <Alert color="red" icon={<IconAlertTriangle size={18} />} title="The preview could not be made">
              {l.error.message}
            </Alert>
          ) : (
            <ScopePreview preview={l.preview} />
          )}
        </Stack>
      ))}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={onConfirm} disabled={!loaded || failed}>
          Confirm first sync
        </Button>
      </Group>
    </Stack>
  )
}

function ScopePreview({ preview }: { preview: SyncPreview }) {
  if (preview.push.length + preview.pull.length + preview.both.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        Nothing differs: this desktop and the server hold the same data here.
      </Text>
    )
  }
  return (
    <>
      <PreviewList title="Send to the server" items={preview.push} />
      <PreviewList title="Receive from the server" items={preview.pull} />
      <PreviewList title="Changed on both sides" description="For each field the later change wins; a revoked key stays revoked and a deletion wins over an edit." items={preview.both} />
      {preview.truncated && (
        <Alert color="yellow" icon={<IconInfoCircle size={18} />} title="Only the first items are listed">
          There are more differences than this preview lists; the sync applies all of them by the same rules.
        </Alert>
      )}
    </>
  )
}

function isSecret(entity: string, field: string): boolean {
  return entity in SYNC_ENTITIES && isSecretField(entity as SyncEntity, field)
}

/** The core's label, or (when it could only give "entity id…") the name the owning domain knows. */
function useItemLabels(items: PreviewItem[]): (item: PreviewItem) => string {
  const known = useEntityLabels(items)
  return (item) => (item.label === `${item.entity} ${item.entityId.slice(0, 8)}` ? (known.get(labelKey(item)) ?? `${entityLabel(item.entity)} ${item.entityId.slice(0, 8)}`) : item.label)
}

function PreviewList({ title, description, items }: { title: string; description?: string; items: PreviewItem[] }) {
  const labelOf = useItemLabels(items)
  if (items.length === 0) return null
  return (
    <section aria-label={title}>
      <Group gap="xs" mb={4}>
        <Title order={4} fz="sm">
          {title}
        </Title>
        <Badge c="var(--mantine-color-text)" variant="light" color="gray" tt="none" aria-label={`${items.length} items`}>
          {items.length}
        </Badge>
      </Group>
      {description && (
        <Text size="xs" c="dimmed" mb={4}>
          {description}
        </Text>
      )}
      <Table.ScrollContainer minWidth={600} maxHeight={220}>
        <Table striped verticalSpacing={6} fz="sm" layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={150}>Kind</Table.Th>
              <Table.Th w={220}>Name</Table.Th>
              <Table.Th w={100}>Change</Table.Th>
              <Table.Th>Fields</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((item) => (
              <Table.Tr key={`${item.entity}:${item.entityId}`}>
                <Table.Td>{entityLabel(item.entity)}</Table.Td>
                <Table.Td>{labelOf(item)}</Table.Td>
                <Table.Td>
                  <Badge c="var(--mantine-color-text)" variant="light" color={CHANGE_COLORS[item.change]} tt="none">
                    {CHANGE_LABELS[item.change]}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <FieldList entity={item.entity} fields={item.fields} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </section>
  )
}

/** Shown fields of one item; a new row names many, so the list is cut after a few. */
const SHOWN_FIELDS = 6

function FieldList({ entity, fields }: { entity: string; fields: string[] }) {
  // Secret fields first, so a cut list never hides that a secret travels.
  const ordered = [...fields.filter((f) => isSecret(entity, f)), ...fields.filter((f) => !isSecret(entity, f))]
  const shown = ordered.slice(0, SHOWN_FIELDS)
  const rest = ordered.slice(SHOWN_FIELDS)
  return (
    <Group gap={4}>
      {shown.map((field) =>
        isSecret(entity, field) ? (
          <Tooltip key={field} label="A secret: it travels sealed under the organisation key and is never shown here">
            <Badge c="var(--mantine-color-text)" variant="outline" color="gray" leftSection={<IconLock size={12} aria-hidden />} tt="none">
              {fieldLabel(field)}
            </Badge>
          </Tooltip>
        ) : (
          <Badge c="var(--mantine-color-text)" key={field} variant="outline" color="gray" tt="none">
            {fieldLabel(field)}
          </Badge>
        ),
      )}
      {rest.length > 0 && (
        <Tooltip label={rest.map(fieldLabel).join(', ')} multiline w={320}>
          <Text size="xs" c="dimmed" tabIndex={0}>
            and {rest.length} more
          </Text>
        </Tooltip>
      )}
    </Group>
  )
}
