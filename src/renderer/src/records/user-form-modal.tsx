import { ActionIcon, Alert, Button, Code, Group, Image, Loader, Modal, PasswordInput, PinInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core'
import { useForm } from '@mantine/form'
import { modals } from '@mantine/modals'
import { IconAlertTriangle, IconCopy, IconShieldLock } from '@tabler/icons-react'
import { useState } from 'react'
import type { AuthMethod, PermissionProfile, ServiceUser, TotpProvisioning, UserStatus, UserType } from '../../../shared/contract/users'
import { PERMISSION_PROFILE_LABELS, TYPES_NEEDING_CONTACT, USER_TYPE_LABELS, USERNAME_PATTERN } from '../../../shared/contract/users'
import { api, ApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone, notifyError } from '../ui/notify'
import { AlertTitle, copySecret } from './key-secret'

interface Values {
  keyId: string | null
  active: boolean
  username: string
  passwordMode: 'generate' | 'set'
  password: string
  type: UserType
  contact: string
  permissionProfile: PermissionProfile
  authMethod: AuthMethod
  restEndpoint: string
  soapEndpoint: string
}

/** Which field a coded refusal belongs to, so the message shows where the user typed. */
function fieldOf(error: ApiError): keyof Values | null {
  switch (error.code) {
    case 'USERNAME_INVALID':
    case 'USERNAME_TAKEN':
      return 'username'
    case 'USER_PASSWORD_WEAK':
      return 'password'
    case 'USER_CONTACT_REQUIRED':
    case 'USER_CONTACT_INVALID':
      return 'contact'
    case 'USER_KEY_INVALID':
    case 'KEY_NOT_FOUND':
    case 'KEY_REVOKED':
      return 'keyId'
    case 'ENDPOINT_INVALID':
      return error.message.includes('SOAP') ? 'soapEndpoint' : 'restEndpoint'
    default:
      return null
  }
}

const optional = (text: string) => (text.trim() ? text.trim() : undefined)

type Step = { kind: 'form' } | { kind: 'secrets'; user: ServiceUser; password: string | null; totp: TotpProvisioning | null }

/**
 * Add or edit a service user (seed 001): the API key it belongs to ("Server"), status, username,
 * password (generated or set, shown once), type with its contact, permission profile and the
 * authentication method, whose 2FA setup shows the QR code and asks for a first code.
 */
export function UserFormModal({ collectionId, user, onClose }: { collectionId: string; user: ServiceUser | null; onClose(): void }) {
  const editing = user !== null
  const keys = useApiQuery('keys.list', { collectionId }, ['keys'])
  const [step, setStep] = useState<Step>({ kind: 'form' })
  const [saving, setSaving] = useState(false)
  const [refusal, setRefusal] = useState<ApiError | null>(null)

  const form = useForm<Values>({
    mode: 'controlled',
    initialValues: {
      keyId: user?.keyId ?? null,
      active: (user?.status ?? 'active') === 'active',
      username: user?.username ?? '',
      passwordMode: 'generate',
      password: '',
      type: user?.type ?? 'own_records',
      contact: user?.contact ?? '',
      permissionProfile: user?.permissionProfile ?? 'standard',
      authMethod: user?.authMethod ?? 'password',
      restEndpoint: user?.restEndpoint ?? '',
      soapEndpoint: user?.soapEndpoint ?? '',
    },
    validateInputOnBlur: true,
    validate: {
      keyId: (v) => (v ? null : 'Choose the API key this user signs in with.'),
      username: (v) => (USERNAME_PATTERN.test(v.trim()) ? null : '3–64 characters: letters, digits and . _ @ -, starting with a letter or digit.'),
      password: (v, values) => (!editing && values.passwordMode === 'set' && v.length < 12 ? 'At least 12 characters, or let Keyward generate one.' : null),
      contact: (v, values) => (TYPES_NEEDING_CONTACT.includes(values.type) && !v.trim() ? `"${USER_TYPE_LABELS[values.type]}" needs the contact whose records the user reaches.` : null),
      restEndpoint: (v) => endpointProblem(v),
      soapEndpoint: (v) => endpointProblem(v),
    },
  })
  const needsContact = TYPES_NEEDING_CONTACT.includes(form.values.type)

  const submit = async (values: Values) => {
    setSaving(true)
    setRefusal(null)
    try {
      const status: UserStatus = values.active ? 'active' : 'inactive'
      if (!editing) {
        const created = await api.call('users.create', {
          collectionId,
          keyId: values.keyId!,
          username: values.username.trim(),
          password: values.passwordMode === 'set' ? values.password : undefined,
          status,
          type: values.type,
          contact: needsContact ? values.contact.trim() : optional(values.contact),
          permissionProfile: values.permissionProfile,
          authMethod: values.authMethod,
          restEndpoint: optional(values.restEndpoint),
          soapEndpoint: optional(values.soapEndpoint),
        })
        notifyDone(`Service user ${created.user.username} added.`)
        if (created.password || created.totp) setStep({ kind: 'secrets', user: created.user, password: created.password, totp: created.totp })
        else onClose()
        return
      }
      let updated = await api.call('users.update', {
        id: user.id,
        username: values.username.trim(),
        keyId: values.keyId!,
        type: values.type,
        contact: values.contact.trim() || null,
        permissionProfile: values.permissionProfile,
        restEndpoint: values.restEndpoint.trim() || null,
        soapEndpoint: values.soapEndpoint.trim() || null,
      })
      if (updated.status !== status) updated = await api.call('users.setStatus', { id: user.id, status })
      let totp: TotpProvisioning | null = null
      if (values.authMethod !== user.authMethod || (values.authMethod === 'password_totp' && updated.totpPending)) {
        if (values.authMethod === 'password_totp') ({ user: updated, totp } = await api.call('users.setupTotp', { id: user.id }))
        else updated = await api.call('users.disableTotp', { id: user.id })
      }
      notifyDone(`Service user ${updated.username} saved.`)
      if (totp) setStep({ kind: 'secrets', user: updated, password: null, totp })
      else onClose()
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError({ code: 'INTERNAL', message: String(error) })
      const field = fieldOf(e)
      // Keep everything typed; say what was refused next to the field it concerns.
      if (field) form.setFieldError(field, e.message)
      else setRefusal(e)
    } finally {
      setSaving(false)
    }
  }

  // a user imported from a bundle has no password yet: setting the first one ends nothing
  const firstPassword = user?.passwordSetAt === null
  const resetPassword = () =>
    modals.openConfirmModal({
      title: firstPassword ? `Set a password for ${user?.username}?` : `Reset the password of ${user?.username}?`,
      children: (
        <Text size="sm">
          {firstPassword
            ? 'A password is generated and shown once; from then on the user can get tokens.'
            : 'A new password is generated and shown once. Integrations using the old one stop getting tokens until they are updated.'}
        </Text>
      ),
      labels: { confirm: firstPassword ? 'Set password' : 'Reset password', cancel: 'Cancel' },
      confirmProps: { color: firstPassword ? undefined : 'red' },
      onConfirm: async () => {
        if (!user) return
        const result = await api.invoke('users.resetPassword', { id: user.id })
        if (!result.ok) return notifyError(result.error, 'Password not reset')
        setStep({ kind: 'secrets', user: result.value.user, password: result.value.password, totp: null })
      },
    })

  const keyOptions = (keys.data ?? []).map((k) => ({
    value: k.id,
    label: `${k.name} · ${k.hint}${k.status === 'active' ? '' : ` (${k.status})`}`,
    disabled: k.status === 'revoked' || k.rotation.state === 'replaced',
  }))

  return (
    <Modal
      opened
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close' }}
      size="lg"
      closeOnClickOutside={step.kind === 'form'}
      title={step.kind === 'secrets' ? `${step.user.username}: one-time details` : editing ? `Edit service user ${user.username}` : 'Add service user'}
    >
      {step.kind === 'secrets' ? (
        <SecretsStep step={step} onDone={onClose} />
      ) : (
        <form onSubmit={form.onSubmit(submit)} noValidate>
          <Stack gap="md">
            <Select
              label="Server (API key)"
              description="The API key of this collection the user signs in with."
              placeholder={keys.data?.length === 0 ? 'No API keys in this collection yet' : 'Choose an API key'}
              data={keyOptions}
              rightSection={keys.loading ? <Loader size={14} /> : undefined}
              searchable
              withAsterisk
              {...form.getInputProps('keyId')}
            />
            <Group justify="space-between" align="flex-end" wrap="nowrap" gap="md">
              <TextInput label="Username" withAsterisk flex={1} autoComplete="off" data-autofocus {...form.getInputProps('username')} />
              <Switch label={form.values.active ? 'Active' : 'Inactive'} aria-label="Status: active" mb={8} {...form.getInputProps('active', { type: 'checkbox' })} />
            </Group>
            {!editing ? (
              <Stack gap={6}>
                <Text size="sm" fw={500} id="password-mode">
                  Password
                </Text>
                <SegmentedControl
                  aria-labelledby="password-mode"
                  data={[
                    { value: 'generate', label: 'Generate one' },
                    { value: 'set', label: 'Set it myself' },
                  ]}
                  {...form.getInputProps('passwordMode')}
                />
                {form.values.passwordMode === 'set' ? (
                  <PasswordInput aria-label="Service user password" placeholder="At least 12 characters" autoComplete="new-password" {...form.getInputProps('password')} />
                ) : (
                  <Text size="xs" c="dimmed">
                    Keyward generates a strong password and shows it once after saving.
                  </Text>
                )}
              </Stack>
            ) : (
              <Group justify="space-between" wrap="nowrap">
                <Text size="sm">
                  {user.passwordSetAt === null
                    ? 'No password yet (imported from a bundle): set one before generating tokens.'
                    : `Password set ${new Date(user.passwordSetAt).toLocaleDateString('en-GB', { dateStyle: 'medium' })}.`}
                </Text>
                <Button variant="default" size="xs" onClick={resetPassword} style={{ flexShrink: 0 }}>
                  {firstPassword ? 'Set password…' : 'Reset password…'}
                </Button>
              </Group>
            )}
            <SimpleGrid cols={2} spacing="md">
              <Select
                label="Type"
                description="Basis for record permissions"
                data={Object.entries(USER_TYPE_LABELS).map(([value, label]) => ({ value, label }))}
                allowDeselect={false}
                {...form.getInputProps('type')}
              />
              <Select
                label="Permission profile"
                description="Actions and data beyond the method lists"
                data={Object.entries(PERMISSION_PROFILE_LABELS).map(([value, label]) => ({ value, label }))}
                allowDeselect={false}
                {...form.getInputProps('permissionProfile')}
              />
            </SimpleGrid>
            <TextInput
              label="Contact"
              withAsterisk={needsContact}
              description={needsContact ? `Required for "${USER_TYPE_LABELS[form.values.type]}": the contact whose records the user reaches.` : 'Optional for this type.'}
              {...form.getInputProps('contact')}
            />
            <Stack gap={6}>
              <Text size="sm" fw={500} id="auth-method">
                Authentication method
              </Text>
              <SegmentedControl
                aria-labelledby="auth-method"
                data={[
                  { value: 'password', label: 'Password' },
                  { value: 'password_totp', label: 'Password + TOTP (2FA)' },
                ]}
                {...form.getInputProps('authMethod')}
              />
              {form.values.authMethod === 'password_totp' && (
                <Text size="xs" c="dimmed">
                  {editing && user.authMethod === 'password_totp' && !user.totpPending
                    ? '2FA is on: tokens need the password and a code from the authenticator.'
                    : 'After saving, scan the QR code with an authenticator app and confirm with its first code.'}
                </Text>
              )}
            </Stack>
            <SimpleGrid cols={2} spacing="md">
              <TextInput label="REST endpoint" placeholder="https://api.example.com/rest/v1" {...form.getInputProps('restEndpoint')} />
              <TextInput label="SOAP endpoint" placeholder="https://api.example.com/soap" {...form.getInputProps('soapEndpoint')} />
            </SimpleGrid>
            {refusal && (
              <Alert color="red" icon={<IconAlertTriangle size={18} />} title="Not saved">
                {refusal.message}
              </Alert>
            )}
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={saving}>
                {editing ? 'Save changes' : 'Add service user'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  )
}

function endpointProblem(value: string): string | null {
  const text = value.trim()
  if (!text) return null
  try {
    const url = new URL(text)
    return url.protocol === 'https:' || url.protocol === 'http:' ? null : 'Start with https:// or http://.'
  } catch {
    return 'An absolute URL, like https://api.example.com/rest/v1.'
  }
}

/** The password (once) and the 2FA setup (QR code, then a first code to confirm). */
function SecretsStep({ step, onDone }: { step: Extract<Step, { kind: 'secrets' }>; onDone(): void }) {
  const [code, setCode] = useState('')
  const [confirming, setConfirming] = useState(false)
  const [codeError, setCodeError] = useState<string | null>(null)
  const [confirmed, setConfirmed] = useState(false)
  const [showSecret, setShowSecret] = useState(false)
  const needsConfirm = step.totp !== null && !confirmed

  const confirm = async () => {
    setConfirming(true)
    setCodeError(null)
    const result = await api.invoke('users.confirmTotp', { id: step.user.id, code })
    setConfirming(false)
    if (!result.ok) return setCodeError(`${result.error.message} (${result.error.code})`)
    setConfirmed(true)
    notifyDone(`2FA is on for ${step.user.username}.`)
  }

  const copy = async (text: string, what: string) => {
    try {
      await copySecret(text, what)
    } catch (error) {
      notifyError(error, `Could not copy the ${what.toLowerCase()}`)
    }
  }

  return (
    <Stack gap="md">
      <Text size="sm">
        Client ID <Code>{step.user.clientId}</Code>
      </Text>
      {step.password && (
        <Stack gap="xs">
          <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title={<AlertTitle>Shown this once</AlertTitle>}>
            Copy the password now and hand it to the integrator securely. Keyward keeps only a hash; it cannot show it again.
          </Alert>
          <Group gap="xs" wrap="nowrap">
            <Code block flex={1} fz="md" aria-label="New password" style={{ wordBreak: 'break-all' }}>
              {step.password}
            </Code>
            <Tooltip label="Copy the password (cleared from the clipboard after 30 s)">
              <ActionIcon variant="light" size="lg" aria-label="Copy password" onClick={() => copy(step.password!, 'Password')}>
                <IconCopy size={18} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Stack>
      )}
      {step.totp && (
        <Stack gap="xs">
          <Group gap={6}>
            <IconShieldLock size={18} aria-hidden />
            <Text fw={600} size="sm">
              Two-factor authentication
            </Text>
          </Group>
          {confirmed ? (
            <Alert color="teal" title={<AlertTitle>2FA confirmed</AlertTitle>}>
              From now on tokens for {step.user.username} need the password and a code from the authenticator.
            </Alert>
          ) : (
            <Group align="flex-start" gap="lg" wrap="nowrap">
              <Image src={`data:image/svg+xml;utf8,${encodeURIComponent(step.totp.qrSvg)}`} alt={`QR code for ${step.totp.label}`} w={176} h={176} bg="white" p={4} radius="sm" />
              <Stack gap="xs" flex={1}>
                <Text size="sm">Scan the code with the integrator’s authenticator app ({step.totp.digits} digits, every {step.totp.periodSeconds} s), then type its current code.</Text>
                <Button variant="subtle" size="compact-xs" w="fit-content" onClick={() => setShowSecret((s) => !s)}>
                  {showSecret ? 'Hide the setup key' : 'Can’t scan? Show the setup key'}
                </Button>
                {showSecret && <Code style={{ wordBreak: 'break-all' }}>{step.totp.secret}</Code>}
                <Text size="sm" fw={500}>
                  Code from the authenticator
                </Text>
                <PinInput length={step.totp.digits} type="number" oneTimeCode value={code} onChange={setCode} error={!!codeError} aria-label="Code from the authenticator" />
                {codeError && (
                  <Text size="xs" c="red">
                    {codeError}
                  </Text>
                )}
                <Button onClick={confirm} loading={confirming} disabled={code.length < step.totp.digits} w="fit-content">
                  Confirm 2FA
                </Button>
              </Stack>
            </Group>
          )}
        </Stack>
      )}
      <Group justify="flex-end">
        <Button onClick={onDone} variant={needsConfirm ? 'default' : 'filled'}>
          {needsConfirm ? 'Finish later' : 'Done'}
        </Button>
      </Group>
    </Stack>
  )
}
