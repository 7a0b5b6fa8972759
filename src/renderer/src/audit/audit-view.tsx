import { Badge, Button, Card, Code, Group, Loader, Select, Stack, Table, Text, TextInput, ThemeIcon, Tooltip } from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { IconChevronLeft, IconChevronRight, IconShieldCheck, IconShieldX } from '@tabler/icons-react'
import { useState } from 'react'
import type { MethodOutput } from '../../../shared/contract'
import { useApiQuery } from '../api/use-api-query'
import { PageHeader } from '../ui/page-header'
import { useQueryErrorNotice } from '../ui/notify'
import { SearchField } from '../ui/search-field'

const PAGE_SIZES = ['25', '50', '100']
// Every domain whose changes append entries; 'audit' is for when the core announces each entry.
const AUDITED_DOMAINS = ['audit', 'regions', 'servers', 'collections', 'clients', 'licences', 'keys', 'keyGroups', 'applications', 'users', 'tokens'] as const

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Entries' details hold ids, names and flags only (never secrets). Ids are shortened; hover shows them whole. */
function Details({ details }: { details: Record<string, unknown> }) {
  const pairs = Object.entries(details)
  if (pairs.length === 0) return <Text size="sm">—</Text>
  return (
    <Group gap={6} style={{ rowGap: 2 }}>
      {pairs.map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value)
        // Lists of ids (released licences, deactivated keys) read better as a count; hover shows them.
        const ids = Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && UUID.test(v))
        const short = ids ? `${value.length} id${value.length === 1 ? '' : 's'}` : UUID.test(text) ? `${text.slice(0, 8)}…` : text
        return (
          <Text key={key} size="sm" title={short !== text ? text : undefined} style={{ wordBreak: 'break-word' }}>
            <Text span inherit c="dimmed">
              {key}
            </Text>{' '}
            {short}
          </Text>
        )
      })}
    </Group>
  )
}

type ChainStatus = MethodOutput<'audit.verify'>

function ChainStatusCard({ status, verifying, onVerify }: { status: ChainStatus | undefined; verifying: boolean; onVerify(): void }) {
  const intact = status?.ok === true
  return (
    <Card mb="lg" padding="md">
      <Group justify="space-between" wrap="nowrap" gap="md">
        <Group gap="md" wrap="nowrap" miw={0}>
          <ThemeIcon size={40} radius="xl" variant="light" color={!status ? 'gray' : intact ? 'teal' : 'red'} aria-hidden>
            {!status ? <Loader size={18} /> : intact ? <IconShieldCheck size={22} /> : <IconShieldX size={22} />}
          </ThemeIcon>
          <Stack gap={2} miw={0}>
            <Text fw={600}>{!status ? 'Verifying the chain…' : status.ok ? 'Chain intact' : `Chain broken at entry #${status.firstBrokenSeq}`}</Text>
            <Text size="sm" c="dimmed" truncate>
              {!status ? 'Walking every entry from the first one.' : status.ok ? (
                <>
                  All {status.entries} entries verify · latest hash <Code>{status.lastHash.slice(0, 16)}…</Code>
                </>
              ) : (
                `${status.reason} (${status.entries} entries checked)`
              )}
            </Text>
          </Stack>
        </Group>
        <Button variant="default" size="sm" onClick={onVerify} loading={verifying && !!status}>
          Verify again
        </Button>
      </Group>
    </Card>
  )
}

/** The append-only, hash-chained log: newest first, paged by sequence number, with the chain's state. */
export function AuditView() {
  const [pageSize, setPageSize] = useState('25')
  // Cursors of the pages walked so far; the last one is the page shown (undefined = newest).
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined])
  const [action, setAction] = useState('')
  const [actor, setActor] = useState('')
  const [filters] = useDebouncedValue({ action: action.trim(), actor: actor.trim() }, 250)
  const beforeSeq = cursors[cursors.length - 1]
  const page = useApiQuery(
    'audit.list',
    {
      limit: Number(pageSize),
      ...(beforeSeq ? { beforeSeq } : {}),
      ...(filters.action ? { action: filters.action } : {}),
      ...(filters.actor ? { actor: filters.actor } : {}),
    },
    AUDITED_DOMAINS,
  )
  const chain = useApiQuery('audit.verify', {}, AUDITED_DOMAINS)
  useQueryErrorNotice(page.error)
  useQueryErrorNotice(chain.error)

  const entries = page.data?.entries ?? []
  const first = entries[0]?.seq
  const last = entries[entries.length - 1]?.seq

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change on this device, append-only. Each entry's hash covers the previous one, so a rewritten history shows as a broken chain."
      />

      <ChainStatusCard status={chain.data} verifying={chain.loading} onVerify={chain.reload} />

      <Group mb="md" gap="sm">
        <SearchField
          label="Filter by action"
          placeholder="Action, e.g. keys.revoke"
          value={action}
          onChange={(value) => {
            setAction(value)
            setCursors([undefined])
          }}
          w={280}
        />
        <TextInput
          aria-label="Filter by actor"
          placeholder="Actor"
          value={actor}
          onChange={(e) => {
            setActor(e.currentTarget.value)
            setCursors([undefined])
          }}
          w={180}
        />
      </Group>

      <Card padding={0}>
        <Table.ScrollContainer minWidth={760}>
          <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover striped={false}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={70}>#</Table.Th>
                <Table.Th w={170}>Time</Table.Th>
                <Table.Th w={110}>Actor</Table.Th>
                <Table.Th w={220}>Action</Table.Th>
                <Table.Th>Details</Table.Th>
                <Table.Th w={110}>Hash</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.map((e) => (
                <Table.Tr key={e.seq}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {e.seq}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{when.format(new Date(e.at))}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{e.actor}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light" color="gray" radius="sm" tt="none" fw={500} size="md">
                      {e.action}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Details details={e.details} />
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={e.hash} multiline w={300} style={{ wordBreak: 'break-all' }}>
                      <Text size="sm" ff="monospace" c="dimmed">
                        {e.hash.slice(0, 8)}
                      </Text>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
              {page.data && entries.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text size="sm" c="dimmed" ta="center" py="lg">
                      {filters.action || filters.actor ? 'No entry matches these filters.' : 'No audit entries yet.'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group justify="space-between" px="md" py="sm" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
          <Text size="sm" c="dimmed" aria-live="polite">
            {page.data && first !== undefined && last !== undefined ? `Entries #${first}–#${last} of ${page.data.total}` : page.loading ? 'Loading…' : ''}
          </Text>
          <Group gap="sm">
            <Select
              aria-label="Entries per page"
              data={PAGE_SIZES.map((n) => ({ value: n, label: `${n} per page` }))}
              value={pageSize}
              onChange={(v) => {
                if (!v) return
                setPageSize(v)
                setCursors([undefined])
              }}
              allowDeselect={false}
              w={140}
              size="sm"
            />
            <Button variant="default" size="sm" leftSection={<IconChevronLeft size={16} />} disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </Button>
            <Button
              variant="default"
              size="sm"
              rightSection={<IconChevronRight size={16} />}
              disabled={!page.data?.nextBeforeSeq}
              onClick={() => {
                const next = page.data?.nextBeforeSeq
                if (next) setCursors((c) => [...c, next])
              }}
            >
              Older
            </Button>
          </Group>
        </Group>
      </Card>
    </>
  )
}
