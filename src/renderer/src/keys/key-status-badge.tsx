import { Badge, Tooltip } from '@mantine/core'
import type { ApiKey } from '../../../shared/contract/keys'

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** What a key's badge says: the rotation grace wins over "active" because the key is on its way out. */
export function keyStatusLabel(key: ApiKey): { label: string; color: string; hint?: string } {
  if (key.status === 'revoked') return { label: 'Revoked', color: 'red', hint: key.statusReason ?? undefined }
  if (key.status === 'expired') return { label: 'Expired', color: 'gray', hint: key.statusReason ?? undefined }
  if (key.rotation.state === 'grace' && key.rotation.graceUntil) {
    return { label: 'In rotation grace', color: 'orange', hint: `Replaced; keeps verifying until ${when.format(new Date(key.rotation.graceUntil))}` }
  }
  if (key.status === 'inactive') return { label: 'Inactive', color: 'yellow', hint: key.statusReason ?? 'Switched off; it does not verify.' }
  return { label: 'Active', color: 'teal' }
}

export function KeyStatusBadge({ apiKey }: { apiKey: ApiKey }) {
  const { label, color, hint } = keyStatusLabel(apiKey)
  const badge = (
    <Badge color={color} variant="light" c="var(--mantine-color-text)" radius="sm" tt="none" fw={600}>
      {label}
    </Badge>
  )
  return hint ? <Tooltip label={hint}>{badge}</Tooltip> : badge
}

export const formatWhen = (iso: string | null): string => (iso ? when.format(new Date(iso)) : '—')
