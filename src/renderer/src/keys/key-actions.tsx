import { Alert, Button, Group, Modal, NumberInput, Stack, Text, TextInput } from '@mantine/core'
import { IconAlertTriangle } from '@tabler/icons-react'
import { useState, type FormEvent } from 'react'
import { type ApiKey, DEFAULT_GRACE_HOURS } from '../../../shared/contract/keys'
import { api, toApiError } from '../api/client'
import { notifyDone, notifyError } from '../ui/notify'
import type { IssuedSecret } from './key-secret-modal'

export type KeyAction = { kind: 'rotate' | 'revoke' | 'delete'; apiKey: ApiKey }

const TITLES = { rotate: 'Rotate API key', revoke: 'Revoke API key', delete: 'Delete API key' } as const

/** Rotate (with a grace period), revoke (type the name) and delete (confirm) one key. */
export function KeyActionModal({ action, onClose, onIssued }: { action: KeyAction | null; onClose(): void; onIssued(issued: IssuedSecret): void }) {
  return (
    <Modal opened={action !== null} onClose={onClose} title={action ? TITLES[action.kind] : ''} size="lg">
      {action?.kind === 'rotate' && <RotateForm apiKey={action.apiKey} onClose={onClose} onIssued={onIssued} />}
      {action?.kind === 'revoke' && <RevokeForm apiKey={action.apiKey} onClose={onClose} />}
      {action?.kind === 'delete' && <DeleteForm apiKey={action.apiKey} onClose={onClose} />}
    </Modal>
  )
}

function useRun(onClose: () => void) {
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<string | null>(null)
  const run = async (work: () => Promise<void>) => {
    setBusy(true)
    setRefusal(null)
    try {
      await work()
      onClose()
    } catch (failure) {
      const e = toApiError(failure)
      setRefusal(e.message)
      notifyError(e)
    } finally {
      setBusy(false)
    }
  }
  return { busy, refusal, run }
}

function Refusal({ message }: { message: string | null }) {
  if (!message) return null
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} role="alert">
      {message}
    </Alert>
  )
}

function RotateForm({ apiKey, onClose, onIssued }: { apiKey: ApiKey; onClose(): void; onIssued(issued: IssuedSecret): void }) {
  const [grace, setGrace] = useState<number | string>(DEFAULT_GRACE_HOURS)
  const { busy, refusal, run } = useRun(onClose)
  const valid = typeof grace === 'number' && grace >= 0 && grace <= 720
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!valid) return
    void run(async () => {
      const result = await api.call('keys.rotate', { id: apiKey.id, graceHours: grace })
      onIssued({ apiKey: result.key, secret: result.secret, kind: 'rotated', graceUntil: result.predecessor.rotation.graceUntil })
    })
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Text size="sm">
          A new key replaces <b>{apiKey.name}</b> at once, with the same settings and permissions. Its service users move to the new key.
        </Text>
        <NumberInput
          label="Grace period (hours)"
          description="The old key keeps verifying this long, so the integration can switch without downtime. 0 stops it now."
          value={grace}
          onChange={setGrace}
          min={0}
          max={720}
          allowDecimal={false}
          error={valid ? null : 'Between 0 and 720 hours (30 days).'}
          data-autofocus
        />
        <Refusal message={refusal} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy} disabled={!valid}>
            Rotate key
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function RevokeForm({ apiKey, onClose }: { apiKey: ApiKey; onClose(): void }) {
  const [typed, setTyped] = useState('')
  const [reason, setReason] = useState('')
  const { busy, refusal, run } = useRun(onClose)
  const matches = typed === apiKey.name
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!matches) return
    void run(async () => {
      await api.call('keys.revoke', { id: apiKey.id, ...(reason.trim() ? { reason: reason.trim() } : {}) })
      notifyDone(`${apiKey.name} is revoked.`)
    })
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
          Revoking is immediate and final: every request with this key is refused from now on, and it can never be switched on again.
        </Alert>
        <TextInput label="Reason" description="Optional; kept in the audit log." value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        <TextInput
          label={
            <>
              Type <b>{apiKey.name}</b> to confirm
            </>
          }
          aria-label="Type the key name to confirm"
          value={typed}
          onChange={(e) => setTyped(e.currentTarget.value)}
          autoComplete="off"
          data-autofocus
        />
        <Refusal message={refusal} />
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" color="red" loading={busy} disabled={!matches}>
            Revoke key
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

function DeleteForm({ apiKey, onClose }: { apiKey: ApiKey; onClose(): void }) {
  const { busy, refusal, run } = useRun(onClose)
  return (
    <Stack gap="md">
      <Text size="sm">
        Delete <b>{apiKey.name}</b>? It disappears from the lists and stops verifying. The audit log keeps its history.
      </Text>
      <Refusal message={refusal} />
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose} data-autofocus>
          Cancel
        </Button>
        <Button
          color="red"
          loading={busy}
          onClick={() =>
            void run(async () => {
              await api.call('keys.delete', { id: apiKey.id })
              notifyDone(`${apiKey.name} is deleted.`)
            })
          }
        >
          Delete key
        </Button>
      </Group>
    </Stack>
  )
}
