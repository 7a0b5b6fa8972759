import { Group, Text, ThemeIcon } from '@mantine/core'
import { IconKey } from '@tabler/icons-react'

export function Brand({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const big = size === 'lg'
  return (
    <Group gap={10} wrap="nowrap">
      <ThemeIcon size={big ? 40 : 32} radius="md" variant="filled" aria-hidden>
        <IconKey size={big ? 22 : 18} stroke={2} />
      </ThemeIcon>
      <Text fw={700} fz={big ? 22 : 18} lh={1}>
        Keyward
      </Text>
    </Group>
  )
}
