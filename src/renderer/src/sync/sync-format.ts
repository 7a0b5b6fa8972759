import type { SyncProgress, SyncSummary } from '../../../shared/contract/sync'

/** What people call the synced tables; an entity this build does not know keeps its table name. */
const ENTITY_LABELS: Record<string, string> = {
  regions: 'Region',
  servers: 'Server',
  collections: 'Collection',
  clients: 'Client',
  licences: 'Master licence',
  applications: 'Application',
  key_groups: 'Key group',
  api_keys: 'API key',
  service_users: 'Service user',
  token_signing_keys: 'Token signing key',
  tokens: 'Token',
}

export const entityLabel = (entity: string): string => ENTITY_LABELS[entity] ?? entity

/** `allowed_ips` → "allowed IPs": field names as a person reads them. */
export function fieldLabel(field: string): string {
  const words = field.split('_').map((w) => ({ ips: 'IPs', id: 'ID', url: 'URL', totp: 'TOTP', jwk: 'JWK', soap: 'SOAP', rest: 'REST' })[w] ?? w)
  const text = words.join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

const clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
export const when = (iso: string): string => clock.format(new Date(iso))

/** "just now", "5 min ago", "3 h ago", then the date: how long ago a sync finished. */
export function ago(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 45) return 'just now'
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 24) return `${hours} h ago`
  return when(iso)
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`

/** The one-line result of a run, for the notification and the status card. */
export function summaryText(summary: SyncSummary): string {
  const parts = [`${plural(summary.pushed, 'change')} pushed`, `${summary.pulled.toLocaleString('en-GB')} pulled`, plural(summary.conflicts, 'conflict')]
  if (summary.stale > 0) parts.push(`${summary.stale.toLocaleString('en-GB')} already superseded`)
  return parts.join(', ')
}

const PHASES: Record<SyncProgress['phase'], string> = {
  idle: 'Idle',
  connecting: 'Connecting',
  pushing: 'Pushing',
  pulling: 'Pulling',
  applying: 'Applying',
  done: 'Done',
  failed: 'Failed',
}

/** "Pushing 40 / 120" or "Pulling 300": what a running sync is doing now. */
export function progressText(progress: SyncProgress): string {
  const phase = PHASES[progress.phase]
  if (progress.phase === 'idle' || progress.phase === 'connecting' || progress.phase === 'done' || progress.phase === 'failed') return phase
  return progress.total === null ? `${phase} ${progress.done.toLocaleString('en-GB')}` : `${phase} ${progress.done.toLocaleString('en-GB')} / ${progress.total.toLocaleString('en-GB')}`
}

/** 0–100 when the total is known, else null (an indeterminate indicator). */
export function progressPercent(progress: SyncProgress): number | null {
  if (progress.total === null || progress.total === 0) return null
  return Math.min(100, Math.round((progress.done / progress.total) * 100))
}
