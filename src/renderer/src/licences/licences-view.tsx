import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  EmptyState,
  Grid,
  Group,
  Menu,
  Modal,
  NavLink,
  Progress,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core'
import { modals } from '@mantine/modals'
import { IconAlertTriangle, IconBuilding, IconDots, IconLicense, IconLink, IconPlayerPause, IconPlayerPlay, IconPlus, IconTrash } from '@tabler/icons-react'
import { useEffect, useMemo, useState, type FormEvent } from 'react'
import type { ApiKey } from '../../../shared/contract/keys'
import type { Client, Licence } from '../../../shared/contract/clients'
import { licenceLimit, Tier, TIER_LABELS } from '../../../shared/licensing'
import { api, toApiError } from '../api/client'
import { useRefresh } from '../api/refresh'
import { useApiQuery } from '../api/use-api-query'
import { AddKeyModals, type KeyFormTarget } from '../keys/key-form'
import type { IssuedSecret } from '../keys/key-secret-modal'
import { KeyStatusBadge } from '../keys/key-status-badge'
import { notifyDone, notifyError, useQueryErrorNotice } from '../ui/notify'
import { PageHeader } from '../ui/page-header'
import { SearchField } from '../ui/search-field'
import { TierChangeModal } from './tier-change-modal'
import { type PlacedCollection, useAllCollections } from './use-all-collections'

const DOMAINS = ['clients', 'licences', 'keys', 'applications'] as const
const TIER_COLORS: Record<Tier, string> = { blue: 'blue', gold: 'yellow', platinum: 'violet' }

export function TierBadge({ tier }: { tier: Tier }) {
  return (
    <Badge color={TIER_COLORS[tier]} variant="light" c="var(--mantine-color-text)" radius="sm" tt="none">
      {TIER_LABELS[tier]}
    </Badge>
  )
}

/** Seed 000: clients with their tier, master licences bound to collections, and keys per application on each domain. */
export function LicencesView() {
  const clients = useApiQuery('clients.list', {}, DOMAINS)
  useQueryErrorNotice(clients.error)
  const collections = useAllCollections()
  const [search, setSearch] = useState('')
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [adding, setAdding] = useState(false)

  const list = useMemo(() => {
    const needle = search.trim().toLowerCase()
    return (clients.data ?? []).filter((c) => !needle || c.name.toLowerCase().includes(needle) || c.tier.includes(needle))
  }, [clients.data, search])
  const selected = clients.data?.find((c) => c.id === selectedId) ?? list[0]
  const byId = useMemo(() => new Map((collections ?? []).map((c) => [c.id, c])), [collections])

  return (
    <>
      <PageHeader
        title="Clients & licences"
        description="Blue clients hold 1 master licence, Gold 2, Platinum 3. Each licence opens one collection (domain); each application on it needs its own API key."
        actions={
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add client
          </Button>
        }
      />
      {clients.data?.length === 0 ? (
        <Card py={48}>
          <EmptyState
            icon={<IconBuilding size={28} />}
            variant="light"
            title="No clients yet"
            description="Add the customer organisation with its tier, then bind its master licences to the collections it uses."
          >
            <EmptyState.Actions>
              <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
                Add client
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        </Card>
      ) : (
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Card padding="sm">
              <SearchField label="Search clients" placeholder="Search clients…" value={search} onChange={setSearch} mb="sm" />
              <Stack gap={2} role="list" aria-label="Clients">
                {list.map((c) => (
                  <NavLink
                    key={c.id}
                    component="button"
                    role="listitem"
                    active={c.id === selected?.id}
                    aria-current={c.id === selected?.id ? 'true' : undefined}
                    onClick={() => setSelectedId(c.id)}
                    label={
                      <Text size="sm" fw={600}>
                        {c.name}
                      </Text>
                    }
                    description={`${c.licenceCount} of ${c.licenceLimit} licence${c.licenceLimit === 1 ? '' : 's'} used`}
                    rightSection={<TierBadge tier={c.tier} />}
                    style={{ borderRadius: 'var(--mantine-radius-md)' }}
                    // The active link's tinted background leaves Mantine's description colour below 4.5:1.
                    styles={{ description: { color: 'var(--mantine-color-text)' } }}
                  />
                ))}
                {list.length === 0 && (
                  <Text size="sm" c="dimmed" p="sm">
                    No client matches “{search}”.
                  </Text>
                )}
              </Stack>
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 8 }}>{selected && <ClientDetail key={selected.id} client={selected} collections={byId} allCollections={collections} />}</Grid.Col>
        </Grid>
      )}
      <AddClientModal opened={adding} onClose={() => setAdding(false)} onAdded={(c) => setSelectedId(c.id)} />
    </>
  )
}

function ClientDetail({ client, collections, allCollections }: { client: Client; collections: Map<string, PlacedCollection>; allCollections: PlacedCollection[] | undefined }) {
  const licences = useApiQuery('licences.list', { clientId: client.id }, DOMAINS)
  const applications = useApiQuery('applications.list', {}, DOMAINS)
  useQueryErrorNotice(licences.error)
  const keys = useKeysOfLicences((licences.data ?? []).map((l) => l.id))
  const [binding, setBinding] = useState(false)
  const [tierOpen, setTierOpen] = useState(false)
  const [formTarget, setFormTarget] = useState<KeyFormTarget | null>(null)
  const [issued, setIssued] = useState<IssuedSecret | null>(null)
  const used = client.licenceCount
  const full = used >= client.licenceLimit

  const setStatus = async (l: Licence, status: 'active' | 'inactive') => {
    const r = await api.invoke('licences.setStatus', { id: l.id, status })
    if (r.ok) notifyDone(`Licence on ${collections.get(l.collectionId)?.name ?? 'the collection'} is ${status === 'active' ? 'active' : 'inactive; its keys stop verifying'}.`)
    else notifyError(r.error)
  }
  const release = (l: Licence) =>
    modals.openConfirmModal({
      title: `Release the licence on ${collections.get(l.collectionId)?.name ?? 'this collection'}?`,
      children: (
        <Text size="sm">
          The licence is unbound and {l.keyCount === 0 ? 'has no keys.' : `its ${l.keyCount} key${l.keyCount === 1 ? '' : 's'} are switched off.`} {client.name} can bind a
          licence again later.
        </Text>
      ),
      labels: { confirm: 'Release licence', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        const r = await api.invoke('licences.delete', { id: l.id })
        if (r.ok) notifyDone(`Licence released; ${r.value.deactivatedKeyIds.length} key(s) switched off.`)
        else notifyError(r.error)
      },
    })
  const deleteClient = () =>
    modals.openConfirmModal({
      title: `Delete ${client.name}?`,
      children: <Text size="sm">The client has no licences; deleting it removes it from every list. The audit log keeps its history.</Text>,
      labels: { confirm: 'Delete client', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        const r = await api.invoke('clients.delete', { id: client.id })
        if (r.ok) notifyDone(`${client.name} deleted.`)
        else notifyError(r.error)
      },
    })

  const licenceList = licences.data ?? []
  const apps = applications.data ?? []

  return (
    <Stack gap="lg">
      <Card>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Stack gap={6} miw={0}>
            <Group gap="sm">
              <Title order={2} fz={20}>
                {client.name}
              </Title>
              <TierBadge tier={client.tier} />
            </Group>
            {client.notes && (
              <Text size="sm" c="dimmed">
                {client.notes}
              </Text>
            )}
          </Stack>
          <Group gap="xs" wrap="nowrap">
            <Button variant="default" onClick={() => setTierOpen(true)}>
              Change tier
            </Button>
            <Menu position="bottom-end">
              <Menu.Target>
                <ActionIcon variant="subtle" color="gray" size="lg" aria-label={`More actions for ${client.name}`}>
                  <IconDots size={18} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={deleteClient} disabled={used > 0}>
                  Delete client{used > 0 ? ' (release its licences first)' : ''}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
        <Stack gap={6} mt="md">
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              Master licences
            </Text>
            <Text size="sm">
              {used} of {client.licenceLimit} used
            </Text>
          </Group>
          <Progress value={(used / client.licenceLimit) * 100} color={full ? 'orange' : 'indigo'} aria-label={`${used} of ${client.licenceLimit} licences used`} />
        </Stack>
      </Card>

      <Card padding={0}>
        <Group justify="space-between" px="md" py="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
          <Text fw={650} component="h3" fz="md" m={0}>
            Licences and bound collections
          </Text>
          <Button size="xs" variant="light" leftSection={<IconLink size={14} />} onClick={() => setBinding(true)}>
            Bind licence
          </Button>
        </Group>
        {licenceList.length === 0 ? (
          <Text size="sm" c="dimmed" px="md" py="lg">
            {client.name} holds no licence yet. Use “Bind licence” to open one of its collections ({client.licenceLimit} allowed by the {TIER_LABELS[client.tier]} tier).
          </Text>
        ) : (
          <Table verticalSpacing="sm" horizontalSpacing="md">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Collection (domain)</Table.Th>
                <Table.Th>Region › server</Table.Th>
                <Table.Th w={110}>Status</Table.Th>
                <Table.Th w={70}>Keys</Table.Th>
                <Table.Th w={56}>
                  <Text span size="sm" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
                    Actions
                  </Text>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {licenceList.map((l) => {
                const col = collections.get(l.collectionId)
                return (
                  <Table.Tr key={l.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {col?.name ?? '…'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {col ? `${col.regionName} › ${col.serverName}` : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" c="var(--mantine-color-text)" radius="sm" tt="none" color={l.status === 'active' ? 'teal' : 'yellow'}>
                        {l.status === 'active' ? 'Active' : 'Inactive'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{l.keyCount}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end">
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Licence actions for ${col?.name ?? l.id}`}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          {l.status === 'active' ? (
                            <Menu.Item leftSection={<IconPlayerPause size={14} />} onClick={() => void setStatus(l, 'inactive')}>
                              Deactivate licence
                            </Menu.Item>
                          ) : (
                            <Menu.Item leftSection={<IconPlayerPlay size={14} />} onClick={() => void setStatus(l, 'active')}>
                              Activate licence
                            </Menu.Item>
                          )}
                          <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => release(l)}>
                            Release (unbind)…
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                )
              })}
            </Table.Tbody>
          </Table>
        )}
      </Card>

      {licenceList.length > 0 && (
        <Card padding={0}>
          <Stack gap={2} px="md" py="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
            <Text fw={650} component="h3" fz="md" m={0}>
              Keys per application on each domain
            </Text>
            <Text size="xs" c="dimmed">
              One key per application and domain. An empty cell can get its key here.
            </Text>
          </Stack>
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing="sm" horizontalSpacing="md" withColumnBorders aria-label="Keys per application and domain">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={150}>Application</Table.Th>
                  {licenceList.map((l) => (
                    <Table.Th key={l.id}>{collections.get(l.collectionId)?.name ?? '…'}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {apps.map((app) => (
                  <Table.Tr key={app.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {app.name}
                      </Text>
                    </Table.Td>
                    {licenceList.map((l) => {
                      const current = keys?.get(l.id)?.find((k) => k.applicationKind === app.id && k.status !== 'revoked' && k.rotation.state === 'none')
                      const colName = collections.get(l.collectionId)?.name ?? 'this domain'
                      return (
                        <Table.Td key={l.id}>
                          {current ? (
                            <Stack gap={4} align="flex-start">
                              <KeyStatusBadge apiKey={current} />
                              <Text size="xs" c="dimmed" lineClamp={1}>
                                {current.name}
                              </Text>
                            </Stack>
                          ) : keys ? (
                            <Button
                              size="compact-sm"
                              variant="subtle"
                              leftSection={<IconPlus size={14} />}
                              aria-label={`Add ${app.name} key on ${colName}`}
                              onClick={() => setFormTarget({ collectionId: l.collectionId, applicationKind: app.id })}
                            >
                              Add key
                            </Button>
                          ) : null}
                        </Table.Td>
                      )
                    })}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}

      <BindLicenceModal opened={binding} onClose={() => setBinding(false)} client={client} collections={allCollections} licensed={new Set(licenceList.map((l) => l.collectionId))} />
      <TierChangeModal client={tierOpen ? client : null} licences={licenceList} collections={collections} onClose={() => setTierOpen(false)} />
      <AddKeyModals target={formTarget} onClose={() => setFormTarget(null)} issued={issued} onIssued={setIssued} />
    </Stack>
  )
}

/** The keys of each licence (for the application × domain grid), kept fresh on key changes. */
function useKeysOfLicences(licenceIds: string[]): Map<string, ApiKey[]> | undefined {
  const { generation } = useRefresh()
  const [nonce, setNonce] = useState(0)
  const [state, setState] = useState<{ for: string; keys: Map<string, ApiKey[]> }>()
  const idsKey = licenceIds.join(',')
  useEffect(() => api.on('data.changed', ({ domain }) => (domain === 'keys' || domain === 'licences') && setNonce((n) => n + 1)), [])
  useEffect(() => {
    let current = true
    const ids = idsKey ? idsKey.split(',') : []
    void Promise.all(ids.map((licenceId) => api.invoke('keys.list', { licenceId }))).then((results) => {
      if (!current) return
      const map = new Map<string, ApiKey[]>()
      results.forEach((r, i) => {
        if (r.ok) map.set(ids[i]!, r.value)
        else notifyError(r.error)
      })
      setState({ for: idsKey, keys: map })
    })
    return () => {
      current = false
    }
  }, [idsKey, generation, nonce])
  return state?.for === idsKey ? state.keys : undefined
}

function BindLicenceModal({
  opened,
  onClose,
  client,
  collections,
  licensed,
}: {
  opened: boolean
  onClose(): void
  client: Client
  collections: PlacedCollection[] | undefined
  licensed: Set<string>
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Bind a licence of ${client.name}`} size="lg">
      <BindLicenceForm onClose={onClose} client={client} collections={collections} licensed={licensed} />
    </Modal>
  )
}

function BindLicenceForm({ onClose, client, collections, licensed }: { onClose(): void; client: Client; collections: PlacedCollection[] | undefined; licensed: Set<string> }) {
  const [collectionId, setCollectionId] = useState<string | null>(null)
  const [refusal, setRefusal] = useState<{ code: string; message: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const regions = [...new Set((collections ?? []).map((c) => c.regionName))]
  const data = regions.map((region) => ({
    group: region,
    items: (collections ?? [])
      .filter((c) => c.regionName === region && !licensed.has(c.id))
      .map((c) => ({ value: c.id, label: `${c.name} (${c.serverName})` })),
  }))

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!collectionId) return
    setBusy(true)
    setRefusal(null)
    try {
      await api.call('licences.create', { clientId: client.id, collectionId })
      notifyDone(`Licence bound; ${client.name} now uses ${client.licenceCount + 1} of ${client.licenceLimit}.`)
      onClose()
    } catch (failure) {
      const e = toApiError(failure)
      setRefusal({ code: e.code, message: e.message })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Text size="sm">
          {client.name} is {TIER_LABELS[client.tier]}: {client.licenceLimit} master licence{client.licenceLimit === 1 ? '' : 's'}, {client.licenceCount} in use. A licence opens
          exactly one collection.
        </Text>
        <Select
          label="Collection (domain)"
          placeholder="Choose a collection"
          data={data}
          value={collectionId}
          onChange={(v) => {
            setCollectionId(v)
            setRefusal(null)
          }}
          searchable
          nothingFoundMessage="No unlicensed collection with that name"
          data-autofocus
        />
        {refusal && (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            role="alert"
            title={refusal.code === 'LICENCE_LIMIT_REACHED' ? 'Licence limit reached' : refusal.code === 'COLLECTION_ALREADY_LICENSED' ? 'Collection already licensed' : 'Not bound'}
          >
            {refusal.message}
            {refusal.code === 'LICENCE_LIMIT_REACHED' && ' Upgrade the tier or release a licence first.'}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" leftSection={<IconLicense size={16} />} loading={busy} disabled={!collectionId}>
            Bind licence
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function AddClientModal({ opened, onClose, onAdded }: { opened: boolean; onClose(): void; onAdded(c: Client): void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Add client" size="lg">
      <AddClientForm onClose={onClose} onAdded={onAdded} />
    </Modal>
  )
}

function AddClientForm({ onClose, onAdded }: { onClose(): void; onAdded(c: Client): void }) {
  const [name, setName] = useState('')
  const [tier, setTier] = useState<Tier>('blue')
  const [notes, setNotes] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const client = await api.call('clients.create', { name, tier, notes })
      notifyDone(`${client.name} added as a ${TIER_LABELS[tier]} client.`)
      onAdded(client)
      onClose()
    } catch (failure) {
      const e = toApiError(failure)
      if (e.code === 'NAME_INVALID' || e.code === 'NAME_TAKEN') setError(e.message)
      else notifyError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput label="Client name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={error} data-autofocus />
        <Stack gap={4}>
          <Text size="sm" fw={500} id="tier-label">
            Tier
          </Text>
          <SegmentedControl
            aria-labelledby="tier-label"
            value={tier}
            onChange={(v) => setTier(v as Tier)}
            data={Tier.options.map((t) => ({ value: t, label: `${TIER_LABELS[t]} · ${licenceLimit(t)} licence${licenceLimit(t) === 1 ? '' : 's'}` }))}
            fullWidth
          />
        </Stack>
        <Textarea label="Notes" description="Optional." value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={2} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!name.trim()}>
            Add client
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
