import { SimpleGrid, Stack, Text } from '@mantine/core'

export interface BundleItemCounts {
  keys: number
  serviceUsers: number
  tokens: number
  endpoints: number
  permissions: number
}

/** The five item counts of a bundle, as tiles. */
export function BundleCounts({ counts, label }: { counts: BundleItemCounts; label: string }) {
  const tiles = [
    ['Keys', counts.keys],
    ['Service users', counts.serviceUsers],
    ['Tokens', counts.tokens],
    ['Endpoints', counts.endpoints],
    ['Permissions', counts.permissions],
  ] as const
  return (
    <SimpleGrid cols={5} spacing="xs" role="list" aria-label={label}>
      {tiles.map(([name, n]) => (
        <Stack key={name} gap={0} p="xs" role="listitem" aria-label={`${n} ${name.toLowerCase()}`} style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-md)' }}>
          <Text fz={20} fw={700} lh={1.2} aria-hidden>
            {n}
          </Text>
          <Text size="xs" c="dimmed" aria-hidden>
            {name}
          </Text>
        </Stack>
      ))}
    </SimpleGrid>
  )
}
