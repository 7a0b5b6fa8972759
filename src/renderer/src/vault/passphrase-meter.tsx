import { Group, Progress, Stack, Text } from '@mantine/core'
import { IconCircleCheck } from '@tabler/icons-react'
import type { PassphraseStrength } from '../../../shared/passphrase'

const levels = [
  { label: 'Very weak', color: 'red' },
  { label: 'Weak', color: 'red' },
  { label: 'Fair', color: 'orange' },
  { label: 'Strong', color: 'teal' },
  { label: 'Very strong', color: 'green' },
] as const

/** Live strength bar + what to do about it; `id` lets the input point at it (aria-describedby). */
export function PassphraseMeter({ id, strength, empty }: { id: string; strength: PassphraseStrength | null; empty: boolean }) {
  const level = strength ? levels[strength.score] : undefined
  const value = empty || !strength ? 0 : (strength.score + 1) * 20
  const color = strength && !strength.acceptable ? (strength.score >= 3 ? 'orange' : level?.color) : level?.color
  return (
    <Stack gap={6} id={id} aria-live="polite">
      <Progress value={value} color={color ?? 'gray'} size="sm" radius="xl" aria-label="Passphrase strength" transitionDuration={150} />
      <Group justify="space-between" gap="xs" wrap="nowrap" align="center">
        <Group gap={4} wrap="nowrap">
          <Text size="sm" c={empty ? 'dimmed' : undefined} fw={500} style={{ whiteSpace: 'nowrap' }}>
            {empty ? 'Strength: type a passphrase' : `Strength: ${level?.label ?? '…'}`}
          </Text>
          {!empty && strength?.acceptable && <IconCircleCheck size={16} color="var(--mantine-color-teal-7)" aria-label="accepted" />}
        </Group>
        {!empty && strength && (
          <Text size="xs" c="dimmed" ta="right" style={{ whiteSpace: 'nowrap' }} title="Time to guess it offline against a slow hash">
            Guessing time: {strength.crackTime}
          </Text>
        )}
      </Group>
      {!empty && strength && !strength.acceptable && (
        <Text size="sm" c="dimmed">
          {strength.feedback}
        </Text>
      )}
    </Stack>
  )
}
