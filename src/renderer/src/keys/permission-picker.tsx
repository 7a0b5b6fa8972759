import { Accordion, Badge, Checkbox, Group, Stack, Text } from '@mantine/core'
import type { Catalog } from '../../../shared/catalog'

export const VERB_COLORS: Record<string, string> = { GET: 'blue', POST: 'teal', PUT: 'orange', PATCH: 'grape', DELETE: 'red' }

/** The catalog's REST methods and SOAP operations as checkboxes, grouped as in the catalog (seed 002). */
export function PermissionPicker({ catalog, value, onChange }: { catalog: Catalog; value: string[]; onChange(next: string[]): void }) {
  const chosen = new Set(value)
  const toggle = (ids: string[], on: boolean) => {
    const next = new Set(chosen)
    for (const id of ids) {
      if (on) next.add(id)
      else next.delete(id)
    }
    // Keep catalog order, so the saved list reads like the catalog.
    onChange([...catalog.rest.map((m) => m.id), ...catalog.soap.map((o) => o.id)].filter((id) => next.has(id)))
  }

  return (
    <Accordion variant="separated" multiple chevronPosition="left">
      {catalog.groups.map((group) => {
        const rest = catalog.rest.filter((m) => m.group === group.id)
        const soap = catalog.soap.filter((o) => o.group === group.id)
        const ids = [...rest.map((m) => m.id), ...soap.map((o) => o.id)]
        if (ids.length === 0) return null
        const count = ids.filter((id) => chosen.has(id)).length
        return (
          <Accordion.Item key={group.id} value={group.id}>
            <Group wrap="nowrap" gap="xs" pr="md">
              <Accordion.Control aria-label={`${group.label} permissions`}>
                <Group gap="sm" wrap="nowrap">
                  <Text fw={600} size="sm" style={{ whiteSpace: 'nowrap' }}>
                    {group.label}
                  </Text>
                  <Text size="xs" c="dimmed" truncate>
                    {group.description}
                  </Text>
                </Group>
              </Accordion.Control>
              <Checkbox
                aria-label={`All ${group.label} permissions`}
                checked={count === ids.length}
                indeterminate={count > 0 && count < ids.length}
                onChange={(e) => toggle(ids, e.currentTarget.checked)}
                label={
                  <Text span size="xs" c="dimmed" display="inline-block" w={52} style={{ whiteSpace: 'nowrap' }}>
                    {count} of {ids.length}
                  </Text>
                }
              />
            </Group>
            <Accordion.Panel>
              <Stack gap={6}>
                {rest.map((m) => (
                  <Checkbox
                    key={m.id}
                    checked={chosen.has(m.id)}
                    onChange={(e) => toggle([m.id], e.currentTarget.checked)}
                    aria-label={`${m.verb} ${m.path}`}
                    label={
                      <Group gap={8} wrap="nowrap">
                        <Badge size="sm" radius="sm" w={64} variant="light" c="var(--mantine-color-text)" color={VERB_COLORS[m.verb]}>
                          {m.verb}
                        </Badge>
                        <Text size="sm" ff="monospace">
                          {m.path}
                        </Text>
                        <Text size="xs" c="dimmed" truncate>
                          {m.description}
                        </Text>
                      </Group>
                    }
                  />
                ))}
                {soap.map((o) => (
                  <Checkbox
                    key={o.id}
                    checked={chosen.has(o.id)}
                    onChange={(e) => toggle([o.id], e.currentTarget.checked)}
                    aria-label={`SOAP ${o.service}.${o.operation}`}
                    label={
                      <Group gap={8} wrap="nowrap">
                        <Badge size="sm" radius="sm" w={64} variant="light" color="gray">
                          SOAP
                        </Badge>
                        <Text size="sm" ff="monospace">
                          {o.service}.{o.operation}
                        </Text>
                        <Text size="xs" c="dimmed" truncate>
                          {o.description}
                        </Text>
                      </Group>
                    }
                  />
                ))}
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        )
      })}
    </Accordion>
  )
}
