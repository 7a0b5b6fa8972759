import { Alert, Anchor, Group, Loader, Select, Text } from '@mantine/core'
import { IconAlertTriangle, IconLicense } from '@tabler/icons-react'
import { useMemo } from 'react'
import type { MethodOutput } from '../../../shared/contract'
import type { Client } from '../../../shared/contract/clients'
import { TIER_LABELS } from '../../../shared/licensing'
import type { ApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { useOpenSection } from '../shell/navigation'
import { BundleRefusal } from './bundle-refusal'
import { licenceStanding, type LicenceChoice, type LicenceStanding } from '../../../shared/bundle-licence'

type Contents = MethodOutput<'bundles.inspect'>['contents']

export interface LicenceCheck {
  /** Undefined while the licences and clients of this vault load. */
  standing: LicenceStanding | undefined
  clients: Client[] | undefined
  error: ApiError | undefined
}

/** This vault's licences and clients, judged against an inspected bundle (null: nothing inspected yet). */
export function useLicenceCheck(contents: Contents | null): LicenceCheck {
  const asked = contents !== null && contents.counts.keys > 0 ? {} : null
  const licences = useApiQuery('licences.list', asked, ['licences'])
  const clients = useApiQuery('clients.list', asked, ['clients', 'licences'])
  const standing = useMemo(() => {
    if (!contents) return undefined
    if (contents.counts.keys === 0) return { kind: 'not-needed' } as const
    if (!licences.data || !clients.data) return undefined
    return licenceStanding(contents.collection.id, contents.keys, licences.data, clients.data, new Date())
  }, [contents, licences.data, clients.data])
  return { standing, clients: clients.data, error: licences.error ?? clients.error }
}

const choiceLabel = ({ client, free }: LicenceChoice) =>
  `${client.name} · ${TIER_LABELS[client.tier]} · ${free === 0 ? 'no free licence' : `${free} of ${client.licenceLimit} licence${client.licenceLimit === 1 ? '' : 's'} free`}`

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/**
 * Keys need a master licence on their collection (seed 000). Says whether this vault has one
 * for the bundle's collection; when it has none, the admin picks the client whose licence the
 * import binds, in the same transaction.
 */
export function ImportLicenceStep({
  check,
  collectionName,
  clientId,
  onClientId,
}: {
  check: LicenceCheck
  collectionName: string
  clientId: string | null
  onClientId(id: string | null): void
}) {
  const openSection = useOpenSection()
  const { standing, error } = check
  const clientsLink = (
    <Anchor component="button" type="button" size="sm" onClick={() => openSection('licences')}>
      Open Clients &amp; licences
    </Anchor>
  )
  if (error) return <BundleRefusal error={error} nothingChanged={false} />
  if (!standing) {
    return (
      <Group gap="xs">
        <Loader size={14} />
        <Text size="sm" c="dimmed">
          Checking the master licence of {collectionName} in this vault…
        </Text>
      </Group>
    )
  }
  if (standing.kind === 'not-needed') return null
  if (standing.kind === 'active') {
    return (
      <Alert color="teal" variant="light" icon={<IconLicense size={18} />} title="Master licence in place">
        <Text size="sm">
          {collectionName} holds an active master licence of <b>{standing.client?.name ?? standing.licence.clientId}</b>
          {standing.client && ` (${TIER_LABELS[standing.client.tier]})`} in this vault: the bundle&apos;s keys go onto it.
        </Text>
      </Alert>
    )
  }
  if (standing.kind === 'inactive') {
    return (
      <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="Master licence inactive">
        <Text size="sm">
          The master licence of {standing.client?.name ?? standing.licence.clientId} on {collectionName} is inactive here, and new keys need an active one: the
          import would be refused. Activate it first. {clientsLink}
        </Text>
      </Alert>
    )
  }
  const choices = standing.choices
  return (
    <Alert color="blue" variant="light" icon={<IconLicense size={18} />} title="No master licence here yet">
      <Text size="sm" mb="xs">
        {collectionName} has no master licence in this vault, and the bundle&apos;s {plural(standing.keys, 'key')} {standing.keys === 1 ? 'needs' : 'need'} one. Choose the client whose licence it is: the import
        binds a new licence of that client to {collectionName}, in the same step.
      </Text>
      {choices.length === 0 ? (
        <Text size="sm">
          There are no clients in this vault yet. Add the client with its tier, then inspect the bundle again. {clientsLink}
        </Text>
      ) : (
        <Select
          label="Client for the licence"
          description="Each client with its tier and the master licences it can still bind."
          placeholder="Choose a client…"
          required
          data={choices.map((c) => ({ value: c.client.id, label: choiceLabel(c), disabled: c.free === 0 }))}
          value={clientId}
          onChange={onClientId}
          allowDeselect={false}
          comboboxProps={{ withinPortal: true }}
          maw={520}
        />
      )}
    </Alert>
  )
}

/** Import may go ahead: nothing to decide about the licence, or a client was chosen. */
export function licenceDecided(check: LicenceCheck, clientId: string | null): boolean {
  if (!check.standing) return false
  return check.standing.kind !== 'none' || (clientId !== null && check.standing.choices.some((c) => c.client.id === clientId && c.free > 0))
}
