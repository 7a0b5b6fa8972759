import { RECOMMENDED_ROTATION_DAYS, type ApiKey } from '../../shared/contract/keys'
import type { Session } from '../session'

/** An api_keys row as stored (the secret columns are never copied into a view). */
export interface KeyRow {
  id: string
  collection_id: string
  licence_id: string
  application_id: string
  group_id: string | null
  name: string
  description: string
  audience: 'client' | 'business'
  environment: 'live' | 'test'
  status: 'active' | 'inactive' | 'revoked'
  status_reason: string | null
  prefix: string
  hint: string
  digest: Buffer
  secret: Buffer
  allowed_ips: string
  public_url: string | null
  permissions: string
  expires_at: string | null
  rotation_days: number
  rate_limit_per_minute: number | null
  predecessor_id: string | null
  successor_id: string | null
  grace_until: string | null
  rotated_at: string | null
  revoked_at: string | null
  last_used_at: string | null
  use_count: number
  created_at: string
  updated_at: string
  deleted_at: string | null
}

const DAY_MS = 86_400_000

/** "expired" is derived: the stored status says what the admin set, the clock says the rest. */
export function effectiveStatus(row: Pick<KeyRow, 'status' | 'expires_at' | 'grace_until'>, now: Date): ApiKey['status'] {
  if (row.status === 'revoked') return 'revoked'
  const t = now.getTime()
  if ((row.expires_at && Date.parse(row.expires_at) <= t) || (row.grace_until && Date.parse(row.grace_until) <= t)) return 'expired'
  return row.status
}

export function toApiKey(s: Session, row: KeyRow): ApiKey {
  const now = s.now()
  const allowedIps = JSON.parse(row.allowed_ips) as string[]
  // a successor is a new key: its rotation clock starts when it was issued
  const rotationDueAt = new Date(Date.parse(row.created_at) + row.rotation_days * DAY_MS).toISOString()
  const status = effectiveStatus(row, now)
  const warnings: ApiKey['warnings'] = []
  if (row.rotation_days < RECOMMENDED_ROTATION_DAYS.min || row.rotation_days > RECOMMENDED_ROTATION_DAYS.max) {
    warnings.push({
      code: 'ROTATION_OUTSIDE_RECOMMENDED',
      message: `Rotation every ${row.rotation_days} days is outside the recommended ${RECOMMENDED_ROTATION_DAYS.min}–${RECOMMENDED_ROTATION_DAYS.max} days (3–6 months).`,
    })
  }
  const live = status === 'active' || status === 'inactive'
  if (live && !row.grace_until && Date.parse(rotationDueAt) <= now.getTime()) {
    warnings.push({ code: 'ROTATION_DUE', message: `This key was due for rotation on ${rotationDueAt.slice(0, 10)}.` })
  }
  if (live && allowedIps.length === 0) warnings.push({ code: 'ALLOWS_EVERY_IP', message: 'This key can be used from every IP address.' })
  const pending = s.keyIndex.pendingUsage(row.id)
  const lastUsedMs = Math.max(row.last_used_at ? Date.parse(row.last_used_at) : 0, pending?.lastMs ?? 0)
  return {
    id: row.id,
    collectionId: row.collection_id,
    licenceId: row.licence_id,
    applicationKind: row.application_id,
    groupId: row.group_id,
    name: row.name,
    description: row.description,
    audience: row.audience,
    environment: row.environment,
    status,
    statusReason: row.status_reason,
    prefix: row.prefix,
    hint: row.hint,
    allowedIps,
    publicUrl: row.public_url,
    permissions: JSON.parse(row.permissions) as string[],
    expiresAt: row.expires_at,
    rotationDays: row.rotation_days,
    rotationDueAt,
    rateLimitPerMinute: row.rate_limit_per_minute,
    rotation: {
      state: row.grace_until === null ? 'none' : Date.parse(row.grace_until) > now.getTime() ? 'grace' : 'replaced',
      predecessorId: row.predecessor_id,
      successorId: row.successor_id,
      graceUntil: row.grace_until,
      rotatedAt: row.rotated_at,
    },
    warnings,
    lastUsedAt: lastUsedMs > 0 ? new Date(lastUsedMs).toISOString() : null,
    useCount: row.use_count + (pending?.count ?? 0),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    revokedAt: row.revoked_at,
  }
}
