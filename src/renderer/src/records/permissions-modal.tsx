import { Alert, Badge, Button, Checkbox, Divider, Group, Loader, Modal, ScrollArea, Stack, Table, Text, TextInput } from '@mantine/core'
import { IconAlertTriangle } from '@tabler/icons-react'
import { useMemo, useState } from 'react'
import type { RecordRow } from '../../../shared/contract/records'
import { api, ApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone } from '../ui/notify'
import { KeySecret } from './key-secret'

export type PermissionKind = 'rest' | 'soap'

interface Entry {
  id: string
  group: string
  /** GET /records/{id}, or RecordService.GetRecord */
  title: string
  verb?: string
  description: string
}

/**
 * Seed 003's REST / SOAP permissions pop-up: what the service user may call, its X-API key and
 * endpoint, and the catalog's methods grouped as in the catalog. Boxes the user's key does not
 * allow are disabled: the core would refuse them (PERMISSION_NOT_IN_KEY).
 */
export function PermissionsModal({ row, kind, onClose }: { row: RecordRow; kind: PermissionKind; onClose(): void }) {
  const label = kind === 'rest' ? 'REST' : 'SOAP'
  const user = useApiQuery('users.get', { id: row.userId }, ['users'])
  const key = useApiQuery('keys.get', { id: row.keyId }, ['keys'])
  const catalog = useApiQuery('catalog.get', {})
  // What the admin changed; until then the pop-up shows what is saved.
  const [edited, setChosen] = useState<Set<string> | null>(null)
  const [editedEndpoint, setEndpoint] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)

  const assigned = useMemo(() => (user.data ? (kind === 'rest' ? user.data.restPermissions : user.data.soapPermissions) : []), [user.data, kind])
  const savedEndpoint = user.data ? ((kind === 'rest' ? user.data.restEndpoint : user.data.soapEndpoint) ?? '') : ''
  const chosen = useMemo(() => edited ?? (user.data ? new Set(assigned) : null), [edited, user.data, assigned])
  const endpoint = editedEndpoint ?? savedEndpoint

  const entries: Entry[] = useMemo(() => {
    if (!catalog.data) return []
    return kind === 'rest'
      ? catalog.data.rest.map((m) => ({ id: m.id, group: m.group, title: m.path, verb: m.verb, description: m.description }))
      : catalog.data.soap.map((o) => ({ id: o.id, group: o.group, title: `${o.service}.${o.operation}`, description: o.description }))
  }, [catalog.data, kind])
  const groups = useMemo(() => (catalog.data?.groups ?? []).filter((g) => entries.some((e) => e.group === g.id)), [catalog.data, entries])
  const allowed = useMemo(() => new Set(key.data?.permissions ?? []), [key.data])
  const byId = useMemo(() => new Map(entries.map((e) => [e.id, e])), [entries])

  const ready = user.data && key.data && catalog.data && chosen
  const dirty = !!chosen && (chosen.size !== assigned.length || assigned.some((p) => !chosen.has(p)) || (endpoint ?? '') !== savedEndpoint)

  const toggle = (id: string, on: boolean) =>
    setChosen(() => {
      const next = new Set(chosen)
      if (on) next.add(id)
      else next.delete(id)
      return next
    })

  const save = async () => {
    if (!chosen) return
    setSaving(true)
    setError(null)
    const permissions = entries.filter((e) => chosen.has(e.id)).map((e) => e.id)
    const text = (endpoint ?? '').trim()
    const result = await api.invoke(
      'users.update',
      kind === 'rest' ? { id: row.userId, restPermissions: permissions, restEndpoint: text || null } : { id: row.userId, soapPermissions: permissions, soapEndpoint: text || null },
    )
    setSaving(false)
    if (!result.ok) return setError(new ApiError(result.error))
    notifyDone(`${label} permissions of ${row.username} saved.`)
    setChosen(null)
    setEndpoint(null)
    user.reload()
  }

  return (
    <Modal opened onClose={onClose} closeButtonProps={{ 'aria-label': 'Close' }} size="xl" title={`${label} permissions · ${row.username}`} scrollAreaComponent={ScrollArea.Autosize}>
      {!ready ? (
        <Group justify="center" py="xl">
          <Loader size="sm" aria-label="Loading permissions" />
        </Group>
      ) : (
        <Stack gap="md">
          <Group gap="xl" align="flex-start" wrap="wrap">
            <Stack gap={4}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                X-API key
              </Text>
              <KeySecret keyId={row.keyId} hint={row.keyHint} label={row.username} />
              <Text size="xs" c="dimmed">
                {key.data?.name} · {(key.data?.permissions ?? []).filter((p) => p.startsWith(`${kind}.`)).length} {label} methods allowed by the key
              </Text>
            </Stack>
            <Stack gap={4} miw={0} flex={1}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                Assigned {label} {kind === 'rest' ? 'methods' : 'operations'}
              </Text>
              {assigned.length === 0 ? (
                <Text size="sm" c="dimmed">
                  None yet — tick them below.
                </Text>
              ) : (
                <Group gap={6} aria-label={`Assigned ${label} permissions`}>
                  {assigned.map((id) => (
                    <Badge key={id} variant="light" tt="none" fw={500}>
                      {byId.get(id) ? `${byId.get(id)!.verb ? `${byId.get(id)!.verb} ` : ''}${byId.get(id)!.title}` : id}
                    </Badge>
                  ))}
                </Group>
              )}
            </Stack>
          </Group>
          <TextInput
            label={`${label} endpoint`}
            description={kind === 'rest' ? 'Where the integration sends REST calls, e.g. https://api.example.com/rest/v1' : 'Where the integration sends SOAP calls, e.g. https://api.example.com/soap'}
            value={endpoint ?? ''}
            onChange={(e) => setEndpoint(e.currentTarget.value)}
            error={error?.code === 'ENDPOINT_INVALID' ? error.message : undefined}
          />
          <Divider label={`Available ${label} ${kind === 'rest' ? 'APIs' : 'operations'}`} labelPosition="left" />
          {groups.map((group) => {
            const inGroup = entries.filter((e) => e.group === group.id)
            return (
              <Stack key={group.id} gap={4} role="group" aria-label={group.label}>
                <Text fw={600} size="sm">
                  {group.label}
                  <Text span c="dimmed" size="xs" ml="xs">
                    {group.description}
                  </Text>
                </Text>
                <Table withRowBorders={false} verticalSpacing={4} layout="fixed">
                  <Table.Tbody>
                    {inGroup.map((entry) => {
                      const checked = chosen.has(entry.id)
                      const permitted = allowed.has(entry.id)
                      return (
                        <Table.Tr key={entry.id}>
                          <Table.Td w={36}>
                            <Checkbox
                              checked={checked}
                              disabled={!permitted && !checked}
                              onChange={(e) => toggle(entry.id, e.currentTarget.checked)}
                              aria-label={`${entry.verb ? `${entry.verb} ` : ''}${entry.title}`}
                            />
                          </Table.Td>
                          {kind === 'rest' && (
                            <Table.Td w={88}>
                              <Badge variant="outline" color="gray" size="sm">
                                {entry.verb}
                              </Badge>
                            </Table.Td>
                          )}
                          <Table.Td>
                            <Text ff="monospace" size="sm" c={permitted ? undefined : 'dimmed'} truncate>
                              {entry.title}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            <Text size="sm" c="dimmed" truncate>
                              {permitted ? entry.description : `Not allowed by the key · ${entry.description}`}
                            </Text>
                          </Table.Td>
                        </Table.Tr>
                      )
                    })}
                  </Table.Tbody>
                </Table>
              </Stack>
            )
          })}
          {error && error.code !== 'ENDPOINT_INVALID' && (
            <Alert color="red" icon={<IconAlertTriangle size={18} />} title="Not saved">
              {error.message}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button onClick={save} loading={saving} disabled={!dirty}>
              Save {label} permissions
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  )
}
