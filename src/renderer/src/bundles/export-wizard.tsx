import { Alert, Button, Checkbox, Code, Group, Loader, Modal, Progress, Stack, Stepper, Table, Text, ThemeIcon } from '@mantine/core'
import { IconCheck, IconDownload, IconLock } from '@tabler/icons-react'
import { useMemo, useState } from 'react'
import type { MethodOutput } from '../../../shared/contract'
import { api, type ApiError, toApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import type { ChosenCollection } from '../ui/collection-required'
import { usePassphraseStrength } from '../vault/use-passphrase-strength'
import { formatBytes, groupHex, saveFile } from './bundle-file'
import { BundleCounts } from './bundle-counts'
import { BundleItemsStep, countChosen, DEFAULT_ITEMS, isExportable, type ItemsChoice, toSelection } from './bundle-items-step'
import { BundleRecipientsStep, checkProtection, DEFAULT_PROTECTION, type Protection } from './bundle-recipients-step'
import { BundleRefusal } from './bundle-refusal'

type Exported = MethodOutput<'bundles.export'>

/** The one request does all three; they are named so the wait says what is happening. */
const STAGES = ['Signing the manifest with this installation’s key', 'Encrypting with age', 'Saving the audit entry'] as const

export function ExportBundleModal({ chosen, opened, onClose }: { chosen: ChosenCollection; opened: boolean; onClose(): void }) {
  return (
    <Modal opened={opened} onClose={onClose} title={`Export an integrator bundle of ${chosen.collection.name}`} size={780}>
      <ExportWizard chosen={chosen} onClose={onClose} />
    </Modal>
  )
}

/** Issue 7 §3: choose items → recipients or passphrase → review, export, download. */
function ExportWizard({ chosen, onClose }: { chosen: ChosenCollection; onClose(): void }) {
  const collectionId = chosen.collection.id
  const keys = useApiQuery('keys.list', { collectionId }, ['keys'])
  const users = useApiQuery('users.list', { collectionId }, ['users'])
  const applications = useApiQuery('applications.list', {}, ['applications'])
  const exportable = useMemo(() => (keys.data ?? []).filter(isExportable), [keys.data])
  const appName = useMemo(() => new Map((applications.data ?? []).map((a) => [a.id, a.name])), [applications.data])

  const [active, setActive] = useState(0)
  const [items, setItems] = useState<ItemsChoice>(DEFAULT_ITEMS)
  const [protection, setProtection] = useState<Protection>(DEFAULT_PROTECTION)
  const [armor, setArmor] = useState(true)
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<ApiError | null>(null)
  const [result, setResult] = useState<Exported | null>(null)
  const strength = usePassphraseStrength(protection.mode === 'passphrase' ? protection.passphrase : '')

  const loaded = keys.data !== undefined && users.data !== undefined
  const counts = countChosen(items, exportable, users.data ?? [])
  const hasItems = counts.keys + counts.serviceUsers > 0
  const check = checkProtection(protection, strength.acceptable)
  const done = result !== null

  const exportNow = async () => {
    setBusy(true)
    setRefusal(null)
    try {
      const output = await api.call('bundles.export', {
        collectionId,
        armor,
        items: toSelection(items),
        ...(protection.mode === 'passphrase' ? { passphrase: protection.passphrase } : { recipients: check.recipients }),
      })
      setResult(output)
      // The passphrase is no longer needed in this window.
      setProtection((p) => ({ ...p, passphrase: '', confirm: '' }))
      setActive(3)
    } catch (failure) {
      setRefusal(toApiError(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Stack gap="lg">
      <Stepper active={active} onStepClick={(step) => !busy && !done && step < active && setActive(step)} allowNextStepsSelect={false} size="sm">
        <Stepper.Step label="Items" description={`${counts.keys} keys · ${counts.serviceUsers} users`}>
          {loaded ? (
            <BundleItemsStep keys={exportable} users={users.data ?? []} appName={appName} value={items} onChange={setItems} />
          ) : (
            <Group gap="sm" py="lg">
              <Loader size="sm" />
              <Text size="sm">Reading the collection…</Text>
            </Group>
          )}
        </Stepper.Step>
        <Stepper.Step label="Recipients" description={protection.mode === 'passphrase' ? 'Passphrase' : `${check.recipients.length} age recipient${check.recipients.length === 1 ? '' : 's'}`}>
          <BundleRecipientsStep value={protection} onChange={setProtection} strength={strength} />
        </Stepper.Step>
        <Stepper.Step label="Export" description="Review, sign, encrypt">
          <Stack gap="md">
            <Table variant="vertical" layout="fixed" withTableBorder aria-label="Bundle summary">
              <Table.Tbody>
                <SummaryRow label="Collection" value={`${chosen.region.name} › ${chosen.server.name} › ${chosen.collection.name}`} />
                <SummaryRow
                  label="Items"
                  value={`${counts.keys} keys, ${counts.serviceUsers} service users${items.tokens && items.users !== 'none' ? ' with their current tokens' : ''}, ${counts.endpoints} endpoints, ${counts.permissions} permissions`}
                />
                <SummaryRow
                  label="Encrypted to"
                  value={protection.mode === 'passphrase' ? 'A passphrase (age scrypt)' : check.recipients.map((r) => `${r.slice(0, 16)}…${r.slice(-6)}`).join(', ')}
                />
              </Table.Tbody>
            </Table>
            <Checkbox
              checked={armor}
              onChange={(e) => setArmor(e.currentTarget.checked)}
              disabled={busy}
              label="ASCII armor (.age.asc)"
              description="Text that survives e-mail and copy-paste; age -d reads both forms."
            />
            {busy && <ExportProgress complete={false} />}
            {refusal && <BundleRefusal error={refusal} />}
          </Stack>
        </Stepper.Step>
        <Stepper.Completed>{result && <ExportDone result={result} />}</Stepper.Completed>
      </Stepper>

      <Group justify="space-between" gap="sm">
        <Button variant="default" onClick={onClose} disabled={busy}>
          {done ? 'Close' : 'Cancel'}
        </Button>
        {!done && (
          <Group gap="sm">
            {active > 0 && (
              <Button variant="default" onClick={() => setActive((a) => a - 1)} disabled={busy}>
                Back
              </Button>
            )}
            {active === 0 && (
              <Button onClick={() => setActive(1)} disabled={!loaded || !hasItems}>
                Next: recipients
              </Button>
            )}
            {active === 1 && (
              <Button onClick={() => setActive(2)} disabled={!check.ready}>
                Next: review
              </Button>
            )}
            {active === 2 && (
              <Button leftSection={<IconLock size={16} />} onClick={exportNow} loading={busy} disabled={!hasItems || !check.ready}>
                Sign, encrypt and export
              </Button>
            )}
          </Group>
        )}
      </Group>
    </Stack>
  )
}

function SummaryRow({ label, value }: { label: string; value: string }) {
  return (
    <Table.Tr>
      <Table.Th w={140}>{label}</Table.Th>
      <Table.Td style={{ wordBreak: 'break-word' }}>{value}</Table.Td>
    </Table.Tr>
  )
}

/** Indeterminate while the request runs, complete when it has answered. */
function ExportProgress({ complete }: { complete: boolean }) {
  return (
    <Stack gap={8}>
      <Progress
        value={100}
        animated={!complete}
        striped={!complete}
        color={complete ? 'teal' : undefined}
        aria-label={complete ? 'Bundle exported' : 'Exporting the bundle'}
        size="md"
      />
      <Group gap="lg">
        {STAGES.map((stage) => (
          <Group key={stage} gap={6} wrap="nowrap">
            {complete ? (
              <ThemeIcon size={18} radius="xl" color="teal" variant="light" aria-hidden>
                <IconCheck size={12} />
              </ThemeIcon>
            ) : (
              <Loader size={14} />
            )}
            <Text size="sm">{stage}</Text>
          </Group>
        ))}
      </Group>
    </Stack>
  )
}

function ExportDone({ result }: { result: Exported }) {
  const c = result.counts
  return (
    <Stack gap="md">
      <ExportProgress complete />
      <Group justify="space-between" wrap="nowrap" gap="md">
        <Stack gap={2} miw={0}>
          <Text fw={650}>Bundle ready</Text>
          <Text size="sm" c="dimmed" truncate>
            {result.fileName} · {formatBytes(result.sizeBytes)} · {result.armored ? 'ASCII-armored' : 'binary'} age file
          </Text>
        </Stack>
        <Button leftSection={<IconDownload size={16} />} onClick={() => saveFile(result.file, result.fileName)} style={{ flexShrink: 0 }}>
          Download bundle
        </Button>
      </Group>
      <BundleCounts counts={c} label="Items in the bundle" />
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          File fingerprint (SHA-256, as in the audit log)
        </Text>
        <Code block fz="xs" data-testid="bundle-fingerprint">
          {groupHex(result.fingerprint)}
        </Code>
        <Text size="sm" fw={500} mt={4}>
          Signed by this installation’s Ed25519 key
        </Text>
        <Code block fz="xs" data-testid="bundle-signer">
          {result.signer.fingerprint}
        </Code>
      </Stack>
      <Alert variant="light" color="indigo" icon={<IconLock size={18} />} title="The secrets stay inside the file">
        The key secrets{c.tokens > 0 ? ' and tokens' : ''} are only in the encrypted file; Keyward never shows them here. The integrator opens it with the standard age tool and
        can check the signer fingerprint above with you over the phone.
      </Alert>
    </Stack>
  )
}
