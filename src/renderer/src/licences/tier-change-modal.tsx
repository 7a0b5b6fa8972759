import { Alert, Badge, Button, Checkbox, Group, List, Loader, Modal, SegmentedControl, Stack, Text } from '@mantine/core'
import { IconAlertTriangle, IconInfoCircle } from '@tabler/icons-react'
import { useEffect, useState } from 'react'
import type { Client, Licence, TierChangePreview } from '../../../shared/contract/clients'
import { licenceLimit, Tier, TIER_LABELS } from '../../../shared/licensing'
import { api, toApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone, notifyError } from '../ui/notify'
import type { PlacedCollection } from './use-all-collections'

/** Tier change (seed 000): preview what a downgrade would orphan, let the admin pick, then apply. */
export function TierChangeModal({
  client,
  licences,
  collections,
  onClose,
}: {
  client: Client | null
  licences: Licence[]
  collections: Map<string, PlacedCollection>
  onClose(): void
}) {
  return (
    <Modal opened={client !== null} onClose={onClose} title={client ? `Change the tier of ${client.name}` : ''} size={640}>
      {client && <TierChange client={client} licences={licences} collections={collections} onClose={onClose} />}
    </Modal>
  )
}

function TierChange({ client, licences, collections, onClose }: { client: Client; licences: Licence[]; collections: Map<string, PlacedCollection>; onClose(): void }) {
  const [tier, setTier] = useState<Tier>(client.tier)
  const [chosen, setChosen] = useState<string[] | null>(null)
  const [preview, setPreview] = useState<TierChangePreview | null>(null)
  const [previewFor, setPreviewFor] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const applications = useApiQuery('applications.list', {}, ['applications'])
  const appName = new Map((applications.data ?? []).map((a) => [a.id, a.name]))
  const mustRelease = Math.max(0, client.licenceCount - licenceLimit(tier))
  const exact = chosen === null || chosen.length === mustRelease
  const request = JSON.stringify({ tier, chosen: exact ? chosen : null })

  useEffect(() => {
    if (tier === client.tier) return
    let current = true
    const ids = chosen && chosen.length === mustRelease ? chosen : undefined
    void api.invoke('licences.previewTierChange', { clientId: client.id, tier, ...(ids ? { releaseLicenceIds: ids } : {}) }).then((r) => {
      if (!current) return
      setPreviewFor(request)
      if (r.ok) {
        setPreview(r.value)
        setRefusal(null)
      } else {
        setPreview(null)
        setRefusal(r.error.message)
      }
    })
    return () => {
      current = false
    }
  }, [client.id, client.tier, tier, chosen, mustRelease, request])

  const loading = tier !== client.tier && previewFor !== request
  const releaseIds = preview?.releases.map((r) => r.licenceId) ?? []
  const selected = chosen ?? releaseIds

  const apply = async () => {
    setBusy(true)
    setRefusal(null)
    try {
      const result = await api.call('clients.setTier', { id: client.id, tier, ...(mustRelease > 0 ? { releaseLicenceIds: selected } : {}) })
      notifyDone(
        `${client.name} is now ${TIER_LABELS[tier]}${result.releasedLicenceIds.length ? `; ${result.releasedLicenceIds.length} licence(s) released, ${result.deactivatedKeyIds.length} key(s) switched off` : ''}.`,
      )
      onClose()
    } catch (failure) {
      const e = toApiError(failure)
      setRefusal(e.message)
      notifyError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Stack gap="md">
      <SegmentedControl
        aria-label="New tier"
        value={tier}
        onChange={(v) => {
          setTier(v as Tier)
          setChosen(null)
          setPreview(null)
        }}
        data={Tier.options.map((t) => ({ value: t, label: `${TIER_LABELS[t]} · ${licenceLimit(t)} licence${licenceLimit(t) === 1 ? '' : 's'}` }))}
        fullWidth
      />
      {tier === client.tier ? (
        <Text size="sm" c="dimmed">
          {client.name} is {TIER_LABELS[client.tier]} today and holds {client.licenceCount} of {client.licenceLimit} master licences. Choose another tier to see
          what changes.
        </Text>
      ) : loading && !preview ? (
        <Group gap="sm">
          <Loader size="sm" />
          <Text size="sm">Working out what the change would release…</Text>
        </Group>
      ) : preview ? (
        <Stack gap="sm" aria-label="Tier change preview">
          {preview.mustRelease === 0 ? (
            <Alert color="teal" variant="light" icon={<IconInfoCircle size={18} />} title="Nothing is orphaned">
              {TIER_LABELS[preview.from]} → {TIER_LABELS[preview.to]}: the client keeps all {preview.liveLicences} licence(s); the new tier allows {preview.limit}.
            </Alert>
          ) : (
            <>
              <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title={`${preview.mustRelease} licence${preview.mustRelease === 1 ? '' : 's'} must be released`}>
                {TIER_LABELS[preview.to]} allows {preview.limit} master licence{preview.limit === 1 ? '' : 's'}; {client.name} holds {preview.liveLicences}. Released
                licences are unbound from their collection and their keys are switched off.
              </Alert>
              <Text size="sm" fw={600}>
                Licences to release {preview.proposed && chosen === null ? '(proposed: newest with the fewest keys)' : ''}
              </Text>
              {licences.map((l) => {
                const col = collections.get(l.collectionId)
                const release = preview.releases.find((r) => r.licenceId === l.id)
                return (
                  <Stack key={l.id} gap={4}>
                    <Checkbox
                      checked={selected.includes(l.id)}
                      onChange={(e) => {
                        const on = e.currentTarget.checked
                        setChosen((c) => {
                          const base = c ?? releaseIds
                          return on ? [...base.filter((id) => id !== l.id), l.id] : base.filter((id) => id !== l.id)
                        })
                      }}
                      label={
                        <Group gap={6}>
                          <Text size="sm" fw={500}>
                            {col?.name ?? l.collectionId}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {col ? `${col.regionName} › ${col.serverName}` : ''} · {l.keyCount} key{l.keyCount === 1 ? '' : 's'}
                          </Text>
                        </Group>
                      }
                    />
                    {release && release.keys.length > 0 && exact && (
                      <List size="sm" ml={32} spacing={2}>
                        {release.keys.map((k) => (
                          <List.Item key={k.id}>
                            <Text span size="sm">
                              {k.name}
                            </Text>{' '}
                            <Badge size="xs" variant="light" color="gray" radius="sm" tt="none">
                              {appName.get(k.applicationKind) ?? k.applicationKind} · {k.status}
                            </Badge>{' '}
                            <Text span size="xs" c="dimmed">
                              would be switched off
                            </Text>
                          </List.Item>
                        ))}
                      </List>
                    )}
                  </Stack>
                )
              })}
              {!exact && (
                <Text size="sm" c="red" role="alert">
                  Choose exactly {mustRelease} licence{mustRelease === 1 ? '' : 's'} to release ({chosen?.length ?? 0} chosen).
                </Text>
              )}
            </>
          )}
        </Stack>
      ) : null}
      {refusal && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} role="alert">
          {refusal}
        </Alert>
      )}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button color={mustRelease > 0 ? 'red' : undefined} onClick={apply} loading={busy} disabled={tier === client.tier || !preview || loading || !exact}>
          {mustRelease > 0 ? `Release ${mustRelease} and change to ${TIER_LABELS[tier]}` : `Change to ${TIER_LABELS[tier]}`}
        </Button>
      </Group>
    </Stack>
  )
}
