import { Badge, Card, EmptyState, Group, Stack, Table, Tabs, Text, ThemeIcon, Tooltip } from '@mantine/core'
import { IconCheck, IconSearch } from '@tabler/icons-react'
import { useMemo, useState, type ReactNode } from 'react'
import type { CatalogGroup } from '../../../shared/catalog'
import type { Application } from '../../../shared/contract/catalog'
import { useApiQuery } from '../api/use-api-query'
import { VERB_COLORS } from '../keys/permission-picker'
import { useQueryErrorNotice } from '../ui/notify'
import { PageHeader } from '../ui/page-header'
import { SearchField } from '../ui/search-field'

interface Entry {
  id: string
  group: string
  lead: ReactNode
  name: string
  description: string
}

/** Seeds 002/003: every REST method and SOAP operation a key may be allowed, with each application's default template. */
export function CatalogView() {
  const catalog = useApiQuery('catalog.get', {})
  const applications = useApiQuery('applications.list', {}, ['applications'])
  useQueryErrorNotice(catalog.error)
  useQueryErrorNotice(applications.error)
  const [search, setSearch] = useState('')
  const [tab, setTab] = useState<string | null>('rest')

  const entries = useMemo(() => {
    const c = catalog.data
    if (!c) return { rest: [], soap: [] }
    const rest: Entry[] = c.rest.map((m) => ({
      id: m.id,
      group: m.group,
      lead: (
        <Badge size="sm" radius="sm" w={64} variant="light" c="var(--mantine-color-text)" color={VERB_COLORS[m.verb]}>
          {m.verb}
        </Badge>
      ),
      name: m.path,
      description: m.description,
    }))
    const soap: Entry[] = c.soap.map((o) => ({
      id: o.id,
      group: o.group,
      lead: (
        <Badge size="sm" radius="sm" w={64} variant="light" color="gray">
          SOAP
        </Badge>
      ),
      name: `${o.service}.${o.operation}`,
      description: o.description,
    }))
    return { rest, soap }
  }, [catalog.data])

  const needle = search.trim().toLowerCase()
  const match = (e: Entry) => !needle || [e.id, e.name, e.description, e.group].some((s) => s.toLowerCase().includes(needle))
  const apps = applications.data ?? []

  return (
    <>
      <PageHeader
        title="Permission catalog"
        description="The REST methods and SOAP operations an API key can be allowed to call, grouped as in the key form. A tick marks an application's default template."
      />
      <Group justify="space-between" mb="md">
        <SearchField label="Search the catalog" placeholder="Search path, operation, description…" value={search} onChange={setSearch} w={340} />
        {catalog.data && (
          <Text size="sm" c="dimmed">
            Catalog version {catalog.data.version} · {catalog.data.rest.length} REST methods · {catalog.data.soap.length} SOAP operations
          </Text>
        )}
      </Group>
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="rest">REST methods</Tabs.Tab>
          <Tabs.Tab value="soap">SOAP operations</Tabs.Tab>
        </Tabs.List>
        {(['rest', 'soap'] as const).map((kind) => (
          <Tabs.Panel key={kind} value={kind}>
            <CatalogTables groups={catalog.data?.groups ?? []} entries={entries[kind].filter(match)} apps={apps} kind={kind} searching={needle !== ''} />
          </Tabs.Panel>
        ))}
      </Tabs>
    </>
  )
}

function CatalogTables({ groups, entries, apps, kind, searching }: { groups: CatalogGroup[]; entries: Entry[]; apps: Application[]; kind: 'rest' | 'soap'; searching: boolean }) {
  const templates = useMemo(() => new Map(apps.map((a) => [a.id, new Set(a.defaultPermissions)])), [apps])
  if (entries.length === 0) {
    return (
      <Card py={40}>
        <EmptyState
          icon={<IconSearch size={24} />}
          variant="light"
          title={searching ? 'Nothing matches the search' : 'The catalog is empty'}
          description={searching ? 'Try a part of a path, an operation name or a word of its description.' : 'This build has no entries of this kind.'}
        />
      </Card>
    )
  }
  return (
    <Stack gap="lg">
      {groups.map((group) => {
        const inGroup = entries.filter((e) => e.group === group.id)
        if (inGroup.length === 0) return null
        return (
          <Card key={group.id} padding={0} component="section" aria-label={`${group.label} ${kind === 'rest' ? 'REST methods' : 'SOAP operations'}`}>
            <Group px="md" py="sm" gap="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
              <Text fw={650} component="h2" fz="md" m={0}>
                {group.label}
              </Text>
              <Text size="sm" c="dimmed">
                {group.description}
              </Text>
            </Group>
            <Table.ScrollContainer minWidth={820}>
              <Table verticalSpacing={6} horizontalSpacing="md" highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={90}>{kind === 'rest' ? 'Verb' : 'Kind'}</Table.Th>
                    <Table.Th>{kind === 'rest' ? 'Path' : 'Operation'}</Table.Th>
                    <Table.Th>Description</Table.Th>
                    {apps.map((a) => (
                      <Table.Th key={a.id} w={96} ta="center">
                        {a.name}
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {inGroup.map((e) => (
                    <Table.Tr key={e.id}>
                      <Table.Td>{e.lead}</Table.Td>
                      <Table.Td>
                        <Tooltip label={`Permission id ${e.id}`}>
                          <Text size="sm" ff="monospace">
                            {e.name}
                          </Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{e.description}</Text>
                      </Table.Td>
                      {apps.map((a) => (
                        <Table.Td key={a.id} ta="center">
                          {templates.get(a.id)?.has(e.id) ? (
                            <ThemeIcon size={22} radius="xl" variant="light" color="teal" aria-label={`In the ${a.name} template`} role="img">
                              <IconCheck size={14} />
                            </ThemeIcon>
                          ) : (
                            <Text size="sm" c="dimmed" aria-label={`Not in the ${a.name} template`}>
                              –
                            </Text>
                          )}
                        </Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        )
      })}
    </Stack>
  )
}
