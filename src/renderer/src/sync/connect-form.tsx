import { Alert, Button, Group, PasswordInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core'
import { IconAlertTriangle } from '@tabler/icons-react'
import { useState, type FormEvent } from 'react'
import type { SyncStatus } from '../../../shared/contract/sync'
import { api, type ApiError, toApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone } from '../ui/notify'

type Field = 'serverUrl' | 'username' | 'password' | 'totp' | 'deviceName' | 'organisationPassphrase'

/** Which field a refusal of sync.configure concerns; any other code is shown above the button. */
const FIELD_OF_CODE: Record<string, Field> = {
  SYNC_UNREACHABLE: 'serverUrl',
  SERVER_KEY_MISMATCH: 'serverUrl',
  URL_INVALID: 'serverUrl',
  LOGIN_FAILED: 'password',
  TOTP_REQUIRED: 'totp',
  TOTP_CODE_INVALID: 'totp',
  SYNC_PASSPHRASE_MISMATCH: 'organisationPassphrase',
  VAULT_WEAK_PASSPHRASE: 'organisationPassphrase',
}

/** The shape sync.configure accepts, checked before anything is sent. */
function checkLocally(form: Record<Field, string>): Partial<Record<Field, string>> {
  const problems: Partial<Record<Field, string>> = {}
  try {
    const url = new URL(form.serverUrl.trim())
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.serverUrl = 'Use an http:// or https:// address.'
  } catch {
    problems.serverUrl = 'Enter the server’s address, for example https://keyward.example.com.'
  }
  if (!form.username.trim()) problems.username = 'Enter your admin username on that server.'
  if (!form.password) problems.password = 'Enter your password.'
  if (form.totp && !/^\d{6}$/.test(form.totp)) problems.totp = 'Six digits from your authenticator app, or leave it empty.'
  if (!form.deviceName.trim()) problems.deviceName = 'Name this desktop so you can recognise (and revoke) it on the server.'
  if (!form.organisationPassphrase) problems.organisationPassphrase = 'Enter the organisation passphrase.'
  return problems
}

/** Log in to a remote instance and register this desktop as a device (sync.configure). */
export function ConnectForm({ status, onConnected }: { status: SyncStatus | undefined; onConnected(status: SyncStatus): void }) {
  const installation = useApiQuery('installation.info', {})
  const suggestedDevice = status?.deviceName ?? (installation.data ? `Keyward desktop ${installation.data.installationId.slice(0, 8)}` : '')
  const [form, setForm] = useState<Record<Field, string>>({
    serverUrl: status?.serverUrl ?? '',
    username: status?.username ?? '',
    password: '',
    totp: '',
    deviceName: '',
    organisationPassphrase: '',
  })
  const [deviceTouched, setDeviceTouched] = useState(false)
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({})
  const [refusal, setRefusal] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const values = { ...form, deviceName: deviceTouched ? form.deviceName : suggestedDevice }

  /** Value, change handler and the refusal that concerns it, for one field. */
  const bind = (field: Field) => ({
    value: values[field],
    error: problems[field],
    onChange: (event: { currentTarget: { value: string } }) => {
      const value = event.currentTarget.value
      if (field === 'deviceName') setDeviceTouched(true)
      setForm((f) => ({ ...f, [field]: value }))
      setProblems((p) => ({ ...p, [field]: undefined }))
      setRefusal(null)
    },
  })

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const local = checkLocally(values)
    setProblems(local)
    setRefusal(null)
    if (Object.keys(local).length > 0) return
    setBusy(true)
    try {
      const next = await api.call('sync.configure', {
        serverUrl: values.serverUrl.trim(),
        username: values.username.trim(),
        password: values.password,
        ...(values.totp ? { totp: values.totp } : {}),
        deviceName: values.deviceName.trim(),
        organisationPassphrase: values.organisationPassphrase,
      })
      setForm((f) => ({ ...f, password: '', totp: '', organisationPassphrase: '' }))
      notifyDone(`Connected to ${next.serverUrl ?? values.serverUrl} as ${next.username ?? values.username}.`)
      onConnected(next)
    } catch (failure) {
      const e = toApiError(failure)
      const field = FIELD_OF_CODE[e.code]
      if (field) setProblems({ [field]: e.message })
      else setRefusal(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Connect to a sync server">
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          <TextInput
            label="Server URL"
            placeholder="https://keyward.example.com"
            {...bind('serverUrl')}
            autoComplete="url"
            required
          />
          <TextInput
            label="Device name"
            description="How this desktop is listed on the server, so it can be revoked."
            {...bind('deviceName')}
            required
          />
          <TextInput label="Username" {...bind('username')} autoComplete="username" required />
          <PasswordInput label="Password" {...bind('password')} autoComplete="current-password" required />
          <TextInput
            label="Two-factor code"
            description="Only if your server account uses an authenticator app."
            {...bind('totp')}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
          />
        </SimpleGrid>
        <PasswordInput
          label="Organisation passphrase"
          description="Seals API key secrets, service-user passwords and tokens on this desktop before they are sent. It is never sent to the server, which cannot read a single secret. Every desktop of your organisation must use the same passphrase: the first one to connect sets it, the others are checked against it."
          {...bind('organisationPassphrase')}
          autoComplete="off"
          required
        />
        {refusal && (
          <Alert color="red" icon={<IconAlertTriangle size={18} />} title="Not connected">
            <Text size="sm">{refusal.message}</Text>
            <Text size="xs" c="dimmed" mt={4}>
              {refusal.code}
            </Text>
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            Connect
          </Button>
        </Group>
      </Stack>
    </form>
  )
}
