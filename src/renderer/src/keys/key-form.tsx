import {
  ActionIcon,
  Alert,
  Button,
  Divider,
  Group,
  Modal,
  NumberInput,
  Radio,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  Tooltip,
} from '@mantine/core'
import { useForm } from '@mantine/form'
import { IconAlertTriangle, IconPlus, IconTrash } from '@tabler/icons-react'
import { useState } from 'react'
import type { Catalog } from '../../../shared/catalog'
import type { Application } from '../../../shared/contract/catalog'
import { type ApiKey, DEFAULT_ROTATION_DAYS, type KeyGroup, RECOMMENDED_ROTATION_DAYS } from '../../../shared/contract/keys'
import { parseIpRule } from '../../../shared/ip-rules'
import type { KeyEnvironment } from '../../../shared/key-format'
import { api, toApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone, notifyError } from '../ui/notify'
import { type IssuedSecret, KeySecretModal } from './key-secret-modal'
import { PermissionPicker } from './permission-picker'

export interface KeyFormTarget {
  collectionId: string
  /** Editing this key; without it a new key is created. */
  apiKey?: ApiKey
  /** Preset for a new key (the group's own "Add API key" button, the licences grid's cell). */
  groupId?: string | null
  applicationKind?: string
}

interface Values {
  name: string
  description: string
  applicationKind: string | null
  audience: 'client' | 'business'
  environment: KeyEnvironment
  groupId: string | null
  active: boolean
  allowedIps: string[]
  publicUrl: string
  expiresOn: string
  rotationDays: number | string
  rateLimitPerMinute: number | string
  permissions: string[]
}

/** Refusals that belong to one field; everything else is shown above the buttons. */
const FIELD_OF: Partial<Record<string, keyof Values>> = {
  NAME_INVALID: 'name',
  NAME_TAKEN: 'name',
  KEY_ALREADY_EXISTS_FOR_APPLICATION: 'applicationKind',
  APPLICATION_NOT_FOUND: 'applicationKind',
  IP_RULE_INVALID: 'allowedIps',
  URL_INVALID: 'publicUrl',
  KEY_EXPIRY_INVALID: 'expiresOn',
  PERMISSION_UNKNOWN: 'permissions',
  KEY_GROUP_NOT_FOUND: 'groupId',
  KEY_GROUP_MISMATCH: 'groupId',
}

const ipError = (entry: string): string | null => {
  // A blank line is dropped on save.
  if (entry.trim() === '') return null
  const parsed = parseIpRule(entry)
  return parsed.ok ? null : `Not accepted: ${parsed.reason}.`
}

const toDay = (iso: string | null) => (iso ? iso.slice(0, 10) : '')
/** A key given an expiry day stays valid until the end of that day (UTC). */
const endOfDay = (day: string) => `${day}T23:59:59.000Z`

/**
 * Adding a key as every view does it: the form, and once it created the key, the dialog that
 * shows its secret this one time. `issued` is the view's, so its other actions (a rotation)
 * can show a secret in the same dialog.
 */
export function AddKeyModals({ target, onClose, issued, onIssued }: { target: KeyFormTarget | null; onClose(): void; issued: IssuedSecret | null; onIssued(issued: IssuedSecret | null): void }) {
  return (
    <>
      <KeyFormModal
        target={target}
        onClose={onClose}
        onCreated={(apiKey, secret) => {
          onClose()
          onIssued({ apiKey, secret, kind: 'created' })
        }}
      />
      <KeySecretModal issued={issued} onClose={() => onIssued(null)} />
    </>
  )
}

export function KeyFormModal({ target, onClose, onCreated }: { target: KeyFormTarget | null; onClose(): void; onCreated(key: ApiKey, secret: string): void }) {
  return (
    <Modal opened={target !== null} onClose={onClose} title={target?.apiKey ? `Edit API key ${target.apiKey.name}` : 'Add API key'} size={760}>
      {target && <KeyForm target={target} onClose={onClose} onCreated={onCreated} />}
    </Modal>
  )
}

function KeyForm({ target, onClose, onCreated }: { target: KeyFormTarget; onClose(): void; onCreated(key: ApiKey, secret: string): void }) {
  const editing = target.apiKey
  const applications = useApiQuery('applications.list', {}, ['applications'])
  const catalog = useApiQuery('catalog.get', {})
  const groups = useApiQuery('keyGroups.list', { collectionId: target.collectionId }, ['keyGroups'])
  const [refusal, setRefusal] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [permissionsTouched, setPermissionsTouched] = useState(!!editing)

  const form = useForm<Values>({
    mode: 'controlled',
    initialValues: {
      name: editing?.name ?? '',
      description: editing?.description ?? '',
      applicationKind: editing?.applicationKind ?? target.applicationKind ?? null,
      audience: editing?.audience ?? 'business',
      environment: editing?.environment ?? 'live',
      groupId: editing ? editing.groupId : (target.groupId ?? null),
      active: editing ? editing.status !== 'inactive' : true,
      allowedIps: editing?.allowedIps ?? [],
      publicUrl: editing?.publicUrl ?? '',
      expiresOn: toDay(editing?.expiresAt ?? null),
      rotationDays: editing?.rotationDays ?? DEFAULT_ROTATION_DAYS,
      rateLimitPerMinute: editing?.rateLimitPerMinute ?? '',
      permissions: editing?.permissions ?? [],
    },
    validate: {
      name: (v) => (v.trim() ? null : 'Give the key a name that says what it is for.'),
      applicationKind: (v) => (v ? null : 'Choose the application this key is for.'),
      rotationDays: (v) => (typeof v === 'number' && v >= 1 && v <= 3650 ? null : 'Between 1 and 3650 days.'),
      rateLimitPerMinute: (v) => (v === '' || (typeof v === 'number' && v >= 1) ? null : 'A whole number of requests per minute, or empty for no limit.'),
    },
  })

  // The template of the chosen application is the starting point until the admin changes it.
  const applyTemplate = (kind: string | null, apps: Application[] | undefined, cat: Catalog | undefined) => {
    const template = apps?.find((a) => a.id === kind)?.defaultPermissions ?? (kind ? cat?.templates[kind] : undefined)
    if (template) form.setFieldValue('permissions', template)
  }
  const [templateApplied, setTemplateApplied] = useState(false)
  if (!editing && !templateApplied && applications.data && catalog.data && form.values.applicationKind) {
    setTemplateApplied(true)
    applyTemplate(form.values.applicationKind, applications.data, catalog.data)
  }

  const ipErrors = form.values.allowedIps.map(ipError)
  const rotation = typeof form.values.rotationDays === 'number' ? form.values.rotationDays : NaN
  const outsideRecommendation = rotation < RECOMMENDED_ROTATION_DAYS.min || rotation > RECOMMENDED_ROTATION_DAYS.max

  const submit = form.onSubmit(async (values) => {
    if (ipErrors.some((e) => e !== null)) return
    setBusy(true)
    setRefusal(null)
    const shared = {
      name: values.name,
      description: values.description,
      audience: values.audience,
      allowedIps: values.allowedIps.map((ip) => ip.trim()).filter((ip) => ip !== ''),
      permissions: values.permissions,
      rotationDays: Number(values.rotationDays),
    }
    try {
      if (editing) {
        let updated = await api.call('keys.update', {
          id: editing.id,
          ...shared,
          groupId: values.groupId,
          publicUrl: values.publicUrl.trim() || null,
          expiresAt: values.expiresOn ? endOfDay(values.expiresOn) : null,
          rateLimitPerMinute: values.rateLimitPerMinute === '' ? null : Number(values.rateLimitPerMinute),
        })
        const wasActive = editing.status === 'active'
        if (values.active !== wasActive && (editing.status === 'active' || editing.status === 'inactive')) {
          updated = await api.call('keys.setStatus', { id: editing.id, status: values.active ? 'active' : 'inactive' })
        }
        notifyDone(`Saved ${updated.name}.`)
        onClose()
      } else {
        const created = await api.call('keys.create', {
          collectionId: target.collectionId,
          applicationKind: values.applicationKind!,
          environment: values.environment,
          ...shared,
          ...(values.groupId ? { groupId: values.groupId } : {}),
          ...(values.publicUrl.trim() ? { publicUrl: values.publicUrl.trim() } : {}),
          ...(values.expiresOn ? { expiresAt: endOfDay(values.expiresOn) } : {}),
          ...(values.rateLimitPerMinute !== '' ? { rateLimitPerMinute: Number(values.rateLimitPerMinute) } : {}),
          active: values.active,
        })
        onCreated(created.key, created.secret)
      }
    } catch (failure) {
      const e = toApiError(failure)
      const field = FIELD_OF[e.code]
      if (field) form.setFieldError(field, e.message)
      setRefusal(e.message)
      if (!field) notifyError(e)
    } finally {
      setBusy(false)
    }
  })

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput label="Name" placeholder="e.g. ERP connector – production" withAsterisk data-autofocus {...form.getInputProps('name')} />
        <Textarea label="Description" placeholder="What the key is for, so other admins know" autosize minRows={2} maxRows={4} {...form.getInputProps('description')} />

        <Group grow align="flex-start">
          <Select
            label="Application"
            description={editing ? 'The application of an issued key cannot change.' : 'One active key per application on a collection.'}
            placeholder="Choose an application"
            withAsterisk
            disabled={!!editing}
            data={(applications.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
            allowDeselect={false}
            {...form.getInputProps('applicationKind')}
            onChange={(kind) => {
              form.setFieldValue('applicationKind', kind)
              form.clearFieldError('applicationKind')
              if (!permissionsTouched) applyTemplate(kind, applications.data, catalog.data)
            }}
          />
          <GroupField collectionId={target.collectionId} groups={groups.data} value={form.values.groupId} onChange={(id) => form.setFieldValue('groupId', id)} error={form.errors.groupId} />
        </Group>

        <Radio.Group label="Audience" {...form.getInputProps('audience')}>
          <Group mt={6} grow align="flex-start">
            <Radio
              value="client"
              label="Client"
              description="Used mostly by mobile applications acting for one registered client: register, log in, update their own profile."
            />
            <Radio
              value="business"
              label="Business profile"
              description="Operations not bound to any one client or user: profile administration, integrations, batch processing."
            />
          </Group>
        </Radio.Group>

        <Radio.Group
          label="Environment"
          description={editing ? 'Part of the key itself; it cannot change.' : 'Named in the key’s prefix, so a test key is never mistaken for a live one.'}
          {...form.getInputProps('environment')}
        >
          <Group mt={6} gap="xl">
            <Radio value="live" label="Live" disabled={!!editing} />
            <Radio value="test" label="Test" disabled={!!editing} />
          </Group>
        </Radio.Group>

        <Switch
          label="Active"
          description={form.values.active ? 'The key verifies as soon as it is saved.' : 'The key is kept but does not verify until it is switched on.'}
          disabled={editing && (editing.status === 'revoked' || editing.status === 'expired')}
          {...form.getInputProps('active', { type: 'checkbox' })}
        />

        <Divider label="Access" labelPosition="left" />

        <Stack gap={6}>
          <Text size="sm" fw={500}>
            Allowed IP addresses
          </Text>
          <Text size="xs" c="dimmed">
            {form.values.allowedIps.length === 0
              ? 'The list is empty: the key is accepted from every address. Add addresses or CIDR ranges (IPv4 or IPv6) to restrict it.'
              : 'The key is accepted only from these addresses and ranges (IPv4 or IPv6, e.g. 192.0.2.10 or 10.20.0.0/16).'}
          </Text>
          {form.values.allowedIps.map((_, index) => (
            <Group key={index} gap="xs" align="flex-start" wrap="nowrap">
              <TextInput
                flex={1}
                aria-label={`Allowed address ${index + 1}`}
                placeholder="192.0.2.10 or 10.20.0.0/16"
                ff="monospace"
                {...form.getInputProps(`allowedIps.${index}`)}
                error={ipErrors[index]}
              />
              <Tooltip label="Remove this address">
                <ActionIcon variant="subtle" color="gray" size="lg" aria-label={`Remove address ${index + 1}`} onClick={() => form.removeListItem('allowedIps', index)}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
          ))}
          {form.errors.allowedIps && (
            <Text size="xs" c="red" role="alert">
              {form.errors.allowedIps}
            </Text>
          )}
          <Group>
            <Button variant="default" size="xs" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('allowedIps', '')}>
              Add address
            </Button>
          </Group>
        </Stack>

        <TextInput
          label="Public URL address"
          description="Used in e-mail notifications, e.g. password reset links in the customer portal."
          placeholder="https://portal.example.com"
          {...form.getInputProps('publicUrl')}
        />

        <Group grow align="flex-start">
          <TextInput type="date" label="Expires on" description="Empty: no expiry date." {...form.getInputProps('expiresOn')} />
          <NumberInput
            label="Rotate every (days)"
            description={`Recommended: 3–6 months (${RECOMMENDED_ROTATION_DAYS.min}–${RECOMMENDED_ROTATION_DAYS.max}).`}
            min={1}
            max={3650}
            allowDecimal={false}
            {...form.getInputProps('rotationDays')}
          />
          <NumberInput
            label="Rate limit (requests/min)"
            description="Empty: no limit."
            min={1}
            allowDecimal={false}
            thousandSeparator=" "
            {...form.getInputProps('rateLimitPerMinute')}
          />
        </Group>
        {outsideRecommendation && !Number.isNaN(rotation) && (
          <Alert variant="light" color="yellow" icon={<IconAlertTriangle size={18} />} py="xs">
            {rotation} days is outside the recommended 3–6 months. It is allowed; the audit report will point it out.
          </Alert>
        )}

        <Divider label="Permissions" labelPosition="left" />
        <Text size="xs" c="dimmed" mt={-8}>
          The methods this key may call. A new key starts from its application’s template; change it for the needs of the integration.
        </Text>
        {catalog.data && (
          <PermissionPicker
            catalog={catalog.data}
            value={form.values.permissions}
            onChange={(next) => {
              setPermissionsTouched(true)
              form.setFieldValue('permissions', next)
            }}
          />
        )}
        {form.errors.permissions && (
          <Text size="xs" c="red">
            {form.errors.permissions}
          </Text>
        )}

        {refusal && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Not saved" role="alert">
            {refusal}
          </Alert>
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {editing ? 'Save changes' : 'Create key'}
          </Button>
        </Group>
      </Stack>
    </form>
  )
}

/** The group select with its own "add group" (seed 002), so a new group needs no detour. */
function GroupField({
  collectionId,
  groups,
  value,
  onChange,
  error,
}: {
  collectionId: string
  groups: KeyGroup[] | undefined
  value: string | null
  onChange(id: string | null): void
  error: unknown
}) {
  const [adding, setAdding] = useState(false)
  const [name, setName] = useState('')
  const [nameError, setNameError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [added, setAdded] = useState<KeyGroup[]>([])
  const all = [...(groups ?? []), ...added.filter((a) => !groups?.some((g) => g.id === a.id))]

  const add = async () => {
    setBusy(true)
    try {
      const group = await api.call('keyGroups.create', { collectionId, name })
      setAdded((a) => [...a, group])
      onChange(group.id)
      setAdding(false)
      setName('')
    } catch (failure) {
      setNameError(toApiError(failure).message)
    } finally {
      setBusy(false)
    }
  }

  if (adding) {
    return (
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput
          flex={1}
          label="New group"
          description="Groups only organise keys."
          value={name}
          error={nameError}
          onChange={(e) => {
            setName(e.currentTarget.value)
            setNameError(null)
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              if (name.trim()) void add()
            }
          }}
          autoFocus
        />
        <Button onClick={add} loading={busy} disabled={!name.trim()}>
          Add
        </Button>
        <Button variant="subtle" color="gray" onClick={() => setAdding(false)}>
          Cancel
        </Button>
      </Group>
    )
  }
  return (
    <Group gap="xs" align="flex-end" wrap="nowrap">
      <Select
        flex={1}
        label="Group"
        description="Optional; groups only organise keys."
        placeholder="No group"
        clearable
        clearButtonProps={{ 'aria-label': 'Clear group' }}
        data={all.map((g) => ({ value: g.id, label: g.name }))}
        value={value}
        onChange={onChange}
        error={error as string | undefined}
      />
      <Tooltip label="Add a group">
        <ActionIcon variant="default" size={36} aria-label="Add group" onClick={() => setAdding(true)}>
          <IconPlus size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  )
}
