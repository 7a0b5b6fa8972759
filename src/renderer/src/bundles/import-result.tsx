import { Alert, Code, List, Stack, Table, Text, Title } from '@mantine/core'
import { IconCircleCheck } from '@tabler/icons-react'
import type { z } from 'zod'
import type { MethodOutput } from '../../../shared/contract'
import type { ImportSkipReason } from '../../../shared/contract/bundles'
import type { Client } from '../../../shared/contract/clients'
import { TIER_LABELS } from '../../../shared/licensing'

type Imported = MethodOutput<'bundles.import'>
type Contents = MethodOutput<'bundles.inspect'>['contents']

const REASONS: Record<z.infer<typeof ImportSkipReason>, string> = {
  UNCHANGED: 'Unchanged',
  EXPIRED: 'Expired',
  REVOKED_HERE: 'Revoked here',
  DELETED_HERE: 'Deleted here',
  REPLACED_HERE: 'Rotated here',
  KEY_NOT_HERE: 'Key not here',
  TOKEN_NOT_VERIFIABLE: 'Not verifiable here',
}

const KINDS = { key: 'API key', serviceUser: 'Service user' } as const

const ACTIONS = { SET_PASSWORD: 'set a password', SET_UP_TOTP: 'set up 2FA again' } as const

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

/** What one import did: per-kind counts, the skipped items with their reasons, and what is left to do. */
export function ImportResult({ imported, contents, clients }: { imported: Imported; contents: Contents; clients: Client[] | undefined }) {
  const place = `${contents.collection.region.name} › ${contents.collection.server.name} › ${contents.collection.name}`
  const created = imported.created
  const newHere = [
    created.regions > 0 && plural(created.regions, 'region'),
    created.servers > 0 && plural(created.servers, 'server'),
    created.collections > 0 && plural(created.collections, 'collection'),
  ].filter(Boolean)
  const client = imported.licence && clients?.find((c) => c.id === imported.licence!.clientId)
  const clientName = client ? `${client.name} (${TIER_LABELS[client.tier]})` : imported.licence?.clientId
  const rows = [
    ['API keys', contents.counts.keys, imported.items.keys],
    ['Service users', contents.counts.serviceUsers, imported.items.serviceUsers],
    ['Tokens', contents.counts.tokens, imported.items.tokens],
  ] as const

  return (
    <Stack gap="md">
      <Alert color="teal" variant="light" icon={<IconCircleCheck size={18} />} title="Imported" role="status">
        <Stack gap={4}>
          <Text size="sm">
            Bundle {imported.bundleId.slice(0, 8)}… is imported into <b>{place}</b>
            {newHere.length > 0 ? `; new in this vault: ${newHere.join(', ')}.` : '.'} Importing it again will be refused as a replay.
          </Text>
          {imported.licence && (imported.licence.bound || contents.counts.keys > 0) && (
            <Text size="sm" data-testid="import-licence">
              {imported.licence.bound
                ? `A new master licence of ${clientName} is bound to ${contents.collection.name}; the keys are on it.`
                : `The keys are on the master licence of ${clientName} that ${contents.collection.name} already had here.`}
            </Text>
          )}
        </Stack>
      </Alert>

      <Table withTableBorder verticalSpacing={6} fz="sm" aria-label="Import results per kind">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Kind</Table.Th>
            <Table.Th ta="right">In the bundle</Table.Th>
            <Table.Th ta="right">Created</Table.Th>
            <Table.Th ta="right">Updated</Table.Th>
            <Table.Th ta="right">Skipped</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(([kind, inBundle, t]) => (
            <Table.Tr key={kind}>
              <Table.Th scope="row" fw={500}>
                {kind}
              </Table.Th>
              <Table.Td ta="right">{inBundle}</Table.Td>
              <Table.Td ta="right">{t.created}</Table.Td>
              <Table.Td ta="right">{t.updated}</Table.Td>
              <Table.Td ta="right">{t.skipped}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>

      {imported.skipped.length > 0 && (
        <Stack gap={6}>
          <Title order={3} size="h5">
            Skipped ({imported.skipped.length})
          </Title>
          <Table.ScrollContainer minWidth={560} mah={200}>
            <Table verticalSpacing={4} fz="sm" stickyHeader aria-label="Skipped items">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Item</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Why</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {imported.skipped.map((s) => (
                  <Table.Tr key={`${s.kind}:${s.id}`}>
                    <Table.Td miw={140}>
                      <Text size="sm">{s.kind === 'token' ? `Token of ${s.name}` : s.name}</Text>
                      {s.kind !== 'token' && (
                        <Text size="xs" c="dimmed">
                          {KINDS[s.kind]}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td miw={140}>
                      <Text size="sm" fw={500}>
                        {REASONS[s.reason]}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {s.reason}
                      </Text>
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-word' }}>{s.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}

      {imported.followUp.length > 0 && (
        <Stack gap={6}>
          <Title order={3} size="h5">
            Before these service users can get tokens
          </Title>
          <List size="sm" spacing={2} aria-label="Follow-ups">
            {imported.followUp.map((f) => (
              <List.Item key={f.serviceUserId}>
                <Code>{f.username}</Code>: {f.actions.map((a) => ACTIONS[a]).join(' and ')}
              </List.Item>
            ))}
          </List>
          <Text size="xs" c="dimmed">
            Bundles never carry passwords or 2FA secrets. In Records, open a user&apos;s <i>Edit service user</i> for “Set password…” and the sign-in method.
          </Text>
        </Stack>
      )}
    </Stack>
  )
}
