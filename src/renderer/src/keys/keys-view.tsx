import { ActionIcon, Alert, Badge, Button, Card, Code, EmptyState, Group, Menu, SegmentedControl, Stack, Table, Text, Tooltip } from '@mantine/core'
import { modals } from '@mantine/modals'
import {
  IconCopy,
  IconDots,
  IconEdit,
  IconFolderPlus,
  IconKey,
  IconLicense,
  IconPlayerPause,
  IconPlayerPlay,
  IconPlus,
  IconRotateClockwise,
  IconTrash,
  IconBan,
} from '@tabler/icons-react'
import { useMemo, useState } from 'react'
import type { ApiKey, KeyGroup } from '../../../shared/contract/keys'
import { api } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { BundleMenu } from '../bundles/bundle-menu'
import { CollectionRequired, type ChosenCollection } from '../ui/collection-required'
import { NameModal } from '../ui/name-modal'
import { notifyDone, notifyError, useQueryErrorNotice } from '../ui/notify'
import { CollectionHeader } from '../ui/collection-header'
import { SearchField } from '../ui/search-field'
import { copyKeySecret } from './copy-key'
import { KeyActionModal, type KeyAction } from './key-actions'
import { AddKeyModals, type KeyFormTarget } from './key-form'
import type { IssuedSecret } from './key-secret-modal'
import { formatWhen, KeyStatusBadge } from './key-status-badge'

const KEY_DOMAINS = ['keys', 'keyGroups', 'licences', 'applications'] as const
type Audience = 'all' | 'client' | 'business'

/** Seeds 001/002: the API keys of the selected collection, by group, with their forms and actions. */
export function KeysView({ onOpenLicences }: { onOpenLicences(): void }) {
  return <CollectionRequired what="API keys">{(chosen) => <CollectionKeys chosen={chosen} onOpenLicences={onOpenLicences} />}</CollectionRequired>
}

function CollectionKeys({ chosen, onOpenLicences }: { chosen: ChosenCollection; onOpenLicences(): void }) {
  const { region, server, collection } = chosen
  const collectionId = collection.id
  const keys = useApiQuery('keys.list', { collectionId }, KEY_DOMAINS)
  const groups = useApiQuery('keyGroups.list', { collectionId }, KEY_DOMAINS)
  const licences = useApiQuery('licences.list', { collectionId }, KEY_DOMAINS)
  const applications = useApiQuery('applications.list', {}, KEY_DOMAINS)
  useQueryErrorNotice(keys.error)
  useQueryErrorNotice(groups.error)

  const [search, setSearch] = useState('')
  const [audience, setAudience] = useState<Audience>('all')
  const [formTarget, setFormTarget] = useState<KeyFormTarget | null>(null)
  const [issued, setIssued] = useState<IssuedSecret | null>(null)
  const [action, setAction] = useState<KeyAction | null>(null)
  const [groupModal, setGroupModal] = useState<{ group?: KeyGroup } | null>(null)

  const appName = useMemo(() => new Map((applications.data ?? []).map((a) => [a.id, a.name])), [applications.data])
  const unlicensed = licences.data?.length === 0

  const visible = useMemo(() => {
    const needle = search.trim().toLowerCase()
    return (keys.data ?? []).filter(
      (k) =>
        (audience === 'all' || k.audience === audience) &&
        (!needle || [k.name, k.description, k.hint, k.prefix, appName.get(k.applicationKind) ?? k.applicationKind, k.id].some((s) => s.toLowerCase().includes(needle))),
    )
  }, [keys.data, search, audience, appName])

  const addKey = (groupId: string | null = null) => setFormTarget({ collectionId, groupId })

  const setStatus = async (k: ApiKey, status: 'active' | 'inactive') => {
    const result = await api.invoke('keys.setStatus', { id: k.id, status })
    if (result.ok) notifyDone(`${k.name} is ${status === 'active' ? 'active' : 'switched off'}.`)
    else notifyError(result.error)
  }

  const deleteGroup = (group: KeyGroup) =>
    modals.openConfirmModal({
      title: `Delete group ${group.name}?`,
      children: (
        <Text size="sm">
          {group.keyCount === 0 ? 'The group is empty.' : `Its ${group.keyCount} key${group.keyCount === 1 ? '' : 's'} stay, ungrouped.`} Nothing else changes.
        </Text>
      ),
      labels: { confirm: 'Delete group', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        const result = await api.invoke('keyGroups.delete', { id: group.id })
        if (result.ok) notifyDone(`Group ${group.name} deleted.`)
        else notifyError(result.error)
      },
    })

  const rowProps = { appName, onEdit: (k: ApiKey) => setFormTarget({ collectionId, apiKey: k }), onAction: setAction, onSetStatus: setStatus }
  const grouped = (groups.data ?? []).map((g) => ({ group: g, keys: visible.filter((k) => k.groupId === g.id) }))
  const ungrouped = visible.filter((k) => !k.groupId || !groups.data?.some((g) => g.id === k.groupId))
  const nothingYet = keys.data?.length === 0 && groups.data?.length === 0

  return (
    <>
      <CollectionHeader
        title="API keys"
        place={{ region: region.name, server: server.name, collection: collection.name }}
        actions={
          <>
            <BundleMenu chosen={chosen} />
            <Button variant="default" leftSection={<IconFolderPlus size={16} />} onClick={() => setGroupModal({})}>
              Add group
            </Button>
            <Button leftSection={<IconPlus size={16} />} onClick={() => addKey()}>
              Add API key
            </Button>
          </>
        }
      />

      {unlicensed && (
        <Alert color="yellow" variant="light" icon={<IconLicense size={18} />} mb="lg" title={`${collection.name} has no master licence`}>
          <Group justify="space-between" wrap="nowrap" gap="md">
            <Text size="sm">Keys are issued under a client’s master licence. Bind a licence to this collection before adding keys.</Text>
            <Button variant="light" size="xs" onClick={onOpenLicences}>
              Open clients &amp; licences
            </Button>
          </Group>
        </Alert>
      )}

      <Group justify="space-between" mb="md" gap="md">
        <SearchField label="Search API keys" placeholder="Search name, prefix, application…" value={search} onChange={setSearch} w={340} />
        <SegmentedControl
          aria-label="Audience"
          value={audience}
          onChange={(v) => setAudience(v as Audience)}
          data={[
            { value: 'all', label: 'All keys' },
            { value: 'client', label: 'Client' },
            { value: 'business', label: 'Business profile' },
          ]}
        />
      </Group>

      {nothingYet ? (
        <Card py={48}>
          <EmptyState
            icon={<IconKey size={28} />}
            variant="light"
            title="No API keys in this collection yet"
            description="Each application that reaches this customer database (Workflow, Mobile App, a partner ERP) needs its own key. Add one; groups are optional and only organise the list."
          >
            <EmptyState.Actions>
              <Button leftSection={<IconPlus size={16} />} onClick={() => addKey()}>
                Add API key
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        </Card>
      ) : (
        <Stack gap="lg">
          {grouped.map(({ group, keys: inGroup }) => (
            <KeyGroupCard
              key={group.id}
              title={group.name}
              count={group.keyCount}
              keys={inGroup}
              filtered={search.trim() !== '' || audience !== 'all'}
              onAdd={() => addKey(group.id)}
              onRename={() => setGroupModal({ group })}
              onDelete={() => deleteGroup(group)}
              {...rowProps}
            />
          ))}
          {(ungrouped.length > 0 || grouped.length === 0) && (
            <KeyGroupCard title="Ungrouped" count={ungrouped.length} keys={ungrouped} filtered={search.trim() !== '' || audience !== 'all'} onAdd={() => addKey(null)} {...rowProps} />
          )}
        </Stack>
      )}

      <AddKeyModals target={formTarget} onClose={() => setFormTarget(null)} issued={issued} onIssued={setIssued} />
      <KeyActionModal action={action} onClose={() => setAction(null)} onIssued={setIssued} />
      <NameModal
        opened={groupModal !== null}
        onClose={() => setGroupModal(null)}
        title={groupModal?.group ? `Rename group ${groupModal.group.name}` : 'Add key group'}
        label="Group name"
        description="Groups only organise keys; they change nothing about what a key may do."
        initial={groupModal?.group?.name}
        submitLabel={groupModal?.group ? 'Rename group' : 'Add group'}
        onSubmit={async (name) => {
          if (groupModal?.group) await api.call('keyGroups.rename', { id: groupModal.group.id, name })
          else await api.call('keyGroups.create', { collectionId, name })
        }}
      />
    </>
  )
}

interface RowProps {
  appName: Map<string, string>
  onEdit(k: ApiKey): void
  onAction(a: KeyAction): void
  onSetStatus(k: ApiKey, status: 'active' | 'inactive'): void
}

function KeyGroupCard({
  title,
  count,
  keys,
  filtered,
  onAdd,
  onRename,
  onDelete,
  ...row
}: RowProps & { title: string; count: number; keys: ApiKey[]; filtered: boolean; onAdd(): void; onRename?(): void; onDelete?(): void }) {
  return (
    <Card padding={0} component="section" aria-label={`Group ${title}`}>
      <Group justify="space-between" px="md" py="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Group gap="sm">
          <Text fw={650} component="h2" fz="md" m={0}>
            {title}
          </Text>
          <Badge variant="light" color="gray" radius="sm" tt="none">
            {count} {count === 1 ? 'key' : 'keys'}
          </Badge>
        </Group>
        <Group gap="xs">
          <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={onAdd} aria-label={`Add API key to ${title}`}>
            Add API key
          </Button>
          {onRename && onDelete && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" color="gray" aria-label={`Group ${title} actions`}>
                  <IconDots size={16} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item leftSection={<IconEdit size={14} />} onClick={onRename}>
                  Rename group
                </Menu.Item>
                <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={onDelete}>
                  Delete group
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>
      {keys.length === 0 ? (
        <Text size="sm" c="dimmed" px="md" py="lg">
          {filtered ? 'No key of this group matches the search.' : 'No keys in this group yet. Use “Add API key” to create one here.'}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th w={120}>Application</Table.Th>
                <Table.Th w={150}>Audience</Table.Th>
                <Table.Th w={200}>Key</Table.Th>
                <Table.Th w={150}>Status</Table.Th>
                <Table.Th w={130} style={{ whiteSpace: 'nowrap' }}>
                  Rotation due
                </Table.Th>
                <Table.Th w={56}>
                  <Text span size="sm" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
                    Actions
                  </Text>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {keys.map((k) => (
                <KeyRow key={k.id} apiKey={k} {...row} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  )
}

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

function KeyRow({ apiKey: k, appName, onEdit, onAction, onSetStatus }: RowProps & { apiKey: ApiKey }) {
  const final = k.status === 'revoked'
  const replaced = k.rotation.state !== 'none'
  const due = k.rotationDueAt && !final && !replaced ? new Date(k.rotationDueAt) : null
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={600}>
          {k.name}
        </Text>
        {k.description && (
          <Text size="xs" c="dimmed" lineClamp={1}>
            {k.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{appName.get(k.applicationKind) ?? k.applicationKind}</Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{k.audience === 'client' ? 'Client' : 'Business profile'}</Text>
      </Table.Td>
      <Table.Td>
        <Code fz="xs" aria-label={`Masked key ${k.hint}`}>
          {k.hint}
        </Code>
      </Table.Td>
      <Table.Td>
        <KeyStatusBadge apiKey={k} />
      </Table.Td>
      <Table.Td>
        <Tooltip label={`Last used ${formatWhen(k.lastUsedAt)} · ${k.allowedIps.length === 0 ? 'every IP address' : `${k.allowedIps.length} IP rule(s)`}`}>
          <Text size="sm" c={due && k.warnings.some((w) => w.code === 'ROTATION_DUE') ? 'red' : undefined}>
            {due ? day.format(due) : '—'}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${k.name}`}>
              <IconDots size={16} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item leftSection={<IconEdit size={14} />} onClick={() => onEdit(k)} disabled={final}>
              Edit
            </Menu.Item>
            <Menu.Item leftSection={<IconCopy size={14} />} onClick={() => void copyKeySecret(k.id, k.name)} disabled={final}>
              Copy key
            </Menu.Item>
            {k.status === 'inactive' ? (
              <Menu.Item leftSection={<IconPlayerPlay size={14} />} onClick={() => onSetStatus(k, 'active')} disabled={replaced}>
                Activate
              </Menu.Item>
            ) : (
              <Menu.Item leftSection={<IconPlayerPause size={14} />} onClick={() => onSetStatus(k, 'inactive')} disabled={final || k.status === 'expired' || replaced}>
                Deactivate
              </Menu.Item>
            )}
            <Menu.Item leftSection={<IconRotateClockwise size={14} />} onClick={() => onAction({ kind: 'rotate', apiKey: k })} disabled={final || replaced}>
              Rotate…
            </Menu.Item>
            <Menu.Divider />
            <Menu.Item color="red" leftSection={<IconBan size={14} />} onClick={() => onAction({ kind: 'revoke', apiKey: k })} disabled={final}>
              Revoke…
            </Menu.Item>
            <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => onAction({ kind: 'delete', apiKey: k })}>
              Delete…
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  )
}
