import { Badge, Checkbox, Code, Group, ScrollArea, SegmentedControl, Stack, Text } from '@mantine/core'
import type { ApiKey } from '../../../shared/contract/keys'
import type { ServiceUser } from '../../../shared/contract/users'

export type Choice = 'all' | 'pick' | 'none'

export interface ItemsChoice {
  keys: Choice
  pickedKeys: string[]
  users: Choice
  pickedUsers: string[]
  tokens: boolean
  endpoints: boolean
  permissions: boolean
}

export const DEFAULT_ITEMS: ItemsChoice = { keys: 'all', pickedKeys: [], users: 'all', pickedUsers: [], tokens: false, endpoints: true, permissions: true }

/** The keys a bundle can carry, as the core decides: current (not revoked, expired or replaced). */
export const isExportable = (k: ApiKey) => (k.status === 'active' || k.status === 'inactive') && k.rotation.state === 'none'

const chosen = <T extends { id: string }>(all: T[], choice: Choice, picked: string[]) =>
  choice === 'all' ? all : choice === 'pick' ? all.filter((x) => picked.includes(x.id)) : []

export interface ItemCounts {
  keys: number
  serviceUsers: number
  endpoints: number
  permissions: number
}

/** What the selection will put in the bundle (tokens are counted by the core at export). */
export function countChosen(choice: ItemsChoice, keys: ApiKey[], users: ServiceUser[]): ItemCounts {
  const k = chosen(keys, choice.keys, choice.pickedKeys)
  const u = chosen(users, choice.users, choice.pickedUsers)
  const endpoints = new Set<string>()
  if (choice.endpoints) {
    for (const key of k) if (key.publicUrl) endpoints.add(`public ${key.publicUrl} ${key.id}`)
    for (const user of u) {
      if (user.restEndpoint) endpoints.add(`rest ${user.restEndpoint} ${user.keyId}`)
      if (user.soapEndpoint) endpoints.add(`soap ${user.soapEndpoint} ${user.keyId}`)
    }
  }
  const permissions = choice.permissions ? new Set([...k.flatMap((x) => x.permissions), ...u.flatMap((x) => [...x.restPermissions, ...x.soapPermissions])]).size : 0
  return { keys: k.length, serviceUsers: u.length, endpoints: endpoints.size, permissions }
}

/** The contract's selection for bundles.export. */
export function toSelection(choice: ItemsChoice) {
  const pick = (c: Choice, ids: string[]) => (c === 'all' ? ('all' as const) : c === 'pick' ? ids : [])
  return {
    keys: pick(choice.keys, choice.pickedKeys),
    serviceUsers: pick(choice.users, choice.pickedUsers),
    tokens: choice.tokens && choice.users !== 'none',
    endpoints: choice.endpoints,
    permissions: choice.permissions,
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Step 1: which items of the collection go into the bundle, with counts. */
export function BundleItemsStep({
  keys,
  users,
  appName,
  value,
  onChange,
}: {
  keys: ApiKey[]
  users: ServiceUser[]
  appName: Map<string, string>
  value: ItemsChoice
  onChange(next: ItemsChoice): void
}) {
  const set = (patch: Partial<ItemsChoice>) => onChange({ ...value, ...patch })
  const counts = countChosen(value, keys, users)
  return (
    <Stack gap="lg">
      <ItemGroup
        title="API keys"
        hint="With their secrets, inside the encrypted file only. Revoked, expired and replaced keys are never handed over."
        choice={value.keys}
        allLabel={`All current (${keys.length})`}
        onChoice={(c) => set({ keys: c, pickedKeys: c === 'pick' && value.pickedKeys.length === 0 ? keys.map((k) => k.id) : value.pickedKeys })}
        count={counts.keys}
        noun="key"
        picked={value.pickedKeys}
        onPicked={(pickedKeys) => set({ pickedKeys })}
        options={keys.map((k) => ({
          id: k.id,
          label: (
            <>
              <Text size="sm" fw={500}>
                {k.name}
              </Text>
              <Text size="xs" c="dimmed">
                {appName.get(k.applicationKind) ?? k.applicationKind}
              </Text>
              <Code fz="xs">{k.hint}</Code>
              {k.status === 'inactive' && (
                <Badge size="xs" variant="light" color="gray" c="var(--mantine-color-text)">
                  inactive
                </Badge>
              )}
            </>
          ),
        }))}
      />

      <ItemGroup
        title="Service users"
        hint="Username, client ID, key, status, 2FA method and REST/SOAP permissions; never passwords or TOTP secrets."
        choice={value.users}
        allLabel={`All (${users.length})`}
        onChoice={(c) => set({ users: c, pickedUsers: c === 'pick' && value.pickedUsers.length === 0 ? users.map((u) => u.id) : value.pickedUsers })}
        count={counts.serviceUsers}
        noun="service user"
        picked={value.pickedUsers}
        onPicked={(pickedUsers) => set({ pickedUsers })}
        options={users.map((u) => ({
          id: u.id,
          label: (
            <>
              <Text size="sm" fw={500}>
                {u.username}
              </Text>
              <Code fz="xs">{u.clientId}</Code>
            </>
          ),
        }))}
      />

      <Stack gap="xs">
        <Checkbox
          checked={value.tokens && value.users !== 'none'}
          disabled={value.users === 'none'}
          onChange={(e) => set({ tokens: e.currentTarget.checked })}
          label="Include the current tokens of the chosen service users"
          description="Unrevoked, unexpired tokens only; counted when the bundle is made."
        />
        <Checkbox
          checked={value.endpoints}
          onChange={(e) => set({ endpoints: e.currentTarget.checked })}
          label={`Endpoints (${counts.endpoints})`}
          description="REST and SOAP endpoints of the chosen users, public URLs of the chosen keys."
        />
        <Checkbox
          checked={value.permissions}
          onChange={(e) => set({ permissions: e.currentTarget.checked })}
          label={`Permissions (${counts.permissions})`}
          description="The catalog entries the chosen keys and users hold, so the integrator can read each id."
        />
      </Stack>
    </Stack>
  )
}

function ItemGroup({
  title,
  hint,
  choice,
  allLabel,
  onChoice,
  count,
  noun,
  options,
  picked,
  onPicked,
}: {
  title: string
  hint: string
  choice: Choice
  allLabel: string
  onChoice(c: Choice): void
  count: number
  noun: string
  options: { id: string; label: React.ReactNode }[]
  picked: string[]
  onPicked(ids: string[]): void
}) {
  const id = `bundle-items-${noun.replace(/\s+/g, '-')}`
  return (
    <Stack gap={6}>
      <Group justify="space-between" wrap="nowrap" align="flex-end">
        <Stack gap={2} miw={0}>
          <Text fw={600} id={id}>
            {title}
          </Text>
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        </Stack>
        <Text size="sm" fw={500} style={{ whiteSpace: 'nowrap' }} aria-live="polite">
          {plural(count, noun)}
        </Text>
      </Group>
      <SegmentedControl
        aria-labelledby={id}
        value={choice}
        onChange={(v) => onChoice(v as Choice)}
        data={[
          { value: 'all', label: allLabel },
          { value: 'pick', label: 'Choose…' },
          { value: 'none', label: 'None' },
        ]}
      />
      {choice === 'pick' && (
        <ScrollArea.Autosize mah={180} type="auto" offsetScrollbars>
          <Stack gap={8} py={4} role="group" aria-labelledby={id}>
            {options.map((o) => (
              <Checkbox
                key={o.id}
                checked={picked.includes(o.id)}
                onChange={(e) => onPicked(e.currentTarget.checked ? [...picked.filter((id) => id !== o.id), o.id] : picked.filter((id) => id !== o.id))}
                label={
                  <Group gap={8} wrap="nowrap">
                    {o.label}
                  </Group>
                }
              />
            ))}
          </Stack>
        </ScrollArea.Autosize>
      )}
    </Stack>
  )
}
