import { Alert, Badge, Button, Code, FileInput, Group, Modal, PasswordInput, SegmentedControl, Stack, Table, Tabs, Text } from '@mantine/core'
import { IconFileImport, IconSearch, IconShieldCheck, IconTable } from '@tabler/icons-react'
import { useState, type FormEvent } from 'react'
import type { MethodOutput } from '../../../shared/contract'
import { api, type ApiError, toApiError } from '../api/client'
import { useOpenSection } from '../shell/navigation'
import { useSelection } from '../shell/selection'
import { notifyDone } from '../ui/notify'
import { fileToBase64, formatBytes, groupHex } from './bundle-file'
import { BundleCounts } from './bundle-counts'
import { BundleRefusal } from './bundle-refusal'
import { ImportLicenceStep, licenceDecided, useLicenceCheck } from './import-licence-step'
import { ImportResult } from './import-result'

type Inspected = MethodOutput<'bundles.inspect'>
type Imported = MethodOutput<'bundles.import'>

/**
 * The browser bridge takes requests up to 1 MiB (the file travels as base64), the desktop's IPC
 * up to the contract's 64 MiB of base64: a larger file is refused here, before it is read.
 */
const MAX_FILE_BYTES = api.transport === 'http' ? 700 * 1024 : 48 * 1024 * 1024
const IDENTITY = /AGE-SECRET-KEY-1[0-9A-Z]+/g

export function ImportBundleModal({ opened, onClose }: { opened: boolean; onClose(): void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Import an integrator bundle" size={760}>
      <ImportDialog onClose={onClose} />
    </Modal>
  )
}

/**
 * Pick a file, open it with a passphrase or an age identity, look inside (no secrets), settle the
 * master licence the keys need, then import once and show what the import did.
 */
function ImportDialog({ onClose }: { onClose(): void }) {
  const [file, setFile] = useState<File | null>(null)
  const [mode, setMode] = useState<'passphrase' | 'identity'>('passphrase')
  const [passphrase, setPassphrase] = useState('')
  const [identity, setIdentity] = useState('')
  const [busy, setBusy] = useState<'inspect' | 'import' | null>(null)
  const [refusal, setRefusal] = useState<ApiError | null>(null)
  const [inspected, setInspected] = useState<Inspected | null>(null)
  const [imported, setImported] = useState<Imported | null>(null)
  const [clientId, setClientId] = useState<string | null>(null)
  const licence = useLicenceCheck(inspected?.contents ?? null)
  const { selectPlace } = useSelection()
  const openSection = useOpenSection()
  const tooLarge = file !== null && file.size > MAX_FILE_BYTES
  const secretGiven = mode === 'passphrase' ? passphrase.length > 0 : identity.trim().length > 0
  const ready = file !== null && !tooLarge && secretGiven && busy === null

  const reset = () => {
    setRefusal(null)
    setInspected(null)
    setImported(null)
    setClientId(null)
  }

  const request = async () => {
    const credentials = mode === 'passphrase' ? { passphrase } : { identities: identity.match(IDENTITY) ?? [identity.trim()] }
    return { file: await fileToBase64(file!), ...credentials }
  }

  const run = async (what: 'inspect' | 'import') => {
    if (!ready) return
    setBusy(what)
    setRefusal(null)
    try {
      if (what === 'inspect') {
        setInspected(await api.call('bundles.inspect', await request()))
      } else {
        const bind = licence.standing?.kind === 'none' && clientId !== null ? { licenceClientId: clientId } : {}
        const result = await api.call('bundles.import', { ...(await request()), ...bind })
        setImported(result)
        notifyDone(`Bundle imported into ${inspected?.contents.collection.name ?? 'this vault'}.`)
      }
    } catch (failure) {
      setRefusal(toApiError(failure))
      if (what === 'inspect') setInspected(null)
    } finally {
      setBusy(null)
    }
  }

  if (imported && inspected) {
    const { collection } = inspected.contents
    const openRecords = () => {
      selectPlace({ regionId: collection.region.id, serverId: collection.server.id, collectionId: collection.id })
      openSection('records')
      onClose()
    }
    return (
      <Stack gap="md">
        <ImportResult imported={imported} contents={inspected.contents} clients={licence.clients} />
        <Group justify="space-between" gap="sm">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button leftSection={<IconTable size={16} />} onClick={openRecords}>
            Open records of {collection.name}
          </Button>
        </Group>
      </Stack>
    )
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    void run('inspect')
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <FileInput
          label="Bundle file"
          description="A .keyward-bundle.age or .age.asc file exported by Keyward."
          placeholder="Choose a file…"
          value={file}
          onChange={(f) => {
            setFile(f)
            reset()
          }}
          accept=".age,.asc,application/octet-stream,text/plain"
          clearable
          clearButtonProps={{ 'aria-label': 'Clear the chosen file' }}
          error={tooLarge ? `This file is ${formatBytes(file.size)}; this window imports bundles up to ${formatBytes(MAX_FILE_BYTES)}. Use \`keyward bundle import\` for larger ones.` : undefined}
          leftSection={<IconFileImport size={16} />}
          data-autofocus
        />
        <SegmentedControl
          aria-label="Open the bundle with"
          value={mode}
          onChange={(v) => {
            setMode(v as typeof mode)
            reset()
          }}
          data={[
            { value: 'passphrase', label: 'Passphrase' },
            { value: 'identity', label: 'age identity (AGE-SECRET-KEY-1…)' },
          ]}
          fullWidth
        />
        {mode === 'passphrase' ? (
          <PasswordInput label="Bundle passphrase" value={passphrase} onChange={(e) => {
              setPassphrase(e.currentTarget.value)
              reset()
            }} autoComplete="off" />
        ) : (
          <PasswordInput
            label="age identity"
            description="The secret key of one of the recipients; the contents of an identity file work too. It is used for this request only."
            value={identity}
            onChange={(e) => {
              setIdentity(e.currentTarget.value)
              reset()
            }}
            autoComplete="off"
          />
        )}

        {refusal && <BundleRefusal error={refusal} />}
        {inspected && <BundleContentsView inspected={inspected} />}
        {inspected && !inspected.alreadyImported && (
          <ImportLicenceStep check={licence} collectionName={inspected.contents.collection.name} clientId={clientId} onClientId={setClientId} />
        )}

        <Group justify="space-between" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Group gap="sm">
            <Button type="submit" variant={inspected ? 'default' : 'filled'} leftSection={<IconSearch size={16} />} loading={busy === 'inspect'} disabled={!ready}>
              Inspect
            </Button>
            <Button
              leftSection={<IconFileImport size={16} />}
              onClick={() => void run('import')}
              loading={busy === 'import'}
              disabled={!ready || !inspected || inspected.alreadyImported === true || !licenceDecided(licence, clientId)}
            >
              Import
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  )
}

function BundleContentsView({ inspected }: { inspected: Inspected }) {
  const c = inspected.contents
  return (
    <Stack gap="sm" aria-label="Bundle contents">
      <Alert color="teal" variant="light" icon={<IconShieldCheck size={18} />} title="Signature verified">
        <Stack gap={4}>
          <Text size="sm">
            Signed by the Ed25519 key <Code data-testid="inspect-signer">{c.signer.fingerprint}</Code>
          </Text>
          <Text size="sm">
            Collection <b>{c.collection.region.name} › {c.collection.server.name} › {c.collection.name}</b> · made {new Date(c.createdAt).toLocaleString()} by {c.createdBy.actor}
          </Text>
          <Text size="xs" c="dimmed">
            File SHA-256 {groupHex(inspected.fingerprint)}
          </Text>
        </Stack>
      </Alert>
      {inspected.alreadyImported && (
        <Badge color="orange" variant="light" c="var(--mantine-color-text)" size="lg" radius="sm" tt="none">
          Already imported into this vault: a second import would be a replay
        </Badge>
      )}
      <BundleCounts counts={c.counts} label="Items in the bundle" />
      <Tabs defaultValue="keys" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="keys">Keys</Tabs.Tab>
          <Tabs.Tab value="users">Service users</Tabs.Tab>
          <Tabs.Tab value="endpoints">Endpoints</Tabs.Tab>
          <Tabs.Tab value="permissions">Permissions</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="keys" pt="xs">
          <ItemTable
            head={['Name', 'Application', 'Key (masked)', 'Status']}
            rows={c.keys.map((k) => [k.name, k.applicationKind, <Code key="hint">{k.hint}</Code>, k.status])}
            empty="No keys in this bundle."
          />
        </Tabs.Panel>
        <Tabs.Panel value="users" pt="xs">
          <ItemTable
            head={['Username', 'Client ID', 'Sign-in', 'Tokens']}
            rows={c.serviceUsers.map((u) => [u.username, <Code key="cid">{u.clientId}</Code>, u.authMethod === 'password_totp' ? 'Password + 2FA' : 'Password', String(c.tokens.filter((t) => t.serviceUserId === u.id).length)])}
            empty="No service users in this bundle."
          />
        </Tabs.Panel>
        <Tabs.Panel value="endpoints" pt="xs">
          <ItemTable head={['Kind', 'URL']} rows={c.endpoints.map((e) => [e.kind.toUpperCase(), e.url])} empty="No endpoints in this bundle." />
        </Tabs.Panel>
        <Tabs.Panel value="permissions" pt="xs">
          <ItemTable head={['Group', 'Permission']} rows={c.permissions.map((p) => [p.group, p.label])} empty="No permissions in this bundle." />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  )
}

function ItemTable({ head, rows, empty }: { head: string[]; rows: React.ReactNode[][]; empty: string }) {
  if (rows.length === 0) {
    return (
      <Text size="sm" c="dimmed" py="sm">
        {empty}
      </Text>
    )
  }
  return (
    <Table.ScrollContainer minWidth={500} mah={220}>
      <Table verticalSpacing={4} fz="sm" stickyHeader>
        <Table.Thead>
          <Table.Tr>
            {head.map((h) => (
              <Table.Th key={h}>{h}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((cells, i) => (
            <Table.Tr key={i}>
              {cells.map((cell, j) => (
                <Table.Td key={j} style={{ wordBreak: 'break-word' }}>
                  {cell}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  )
}
