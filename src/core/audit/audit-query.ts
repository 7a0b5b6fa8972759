import type { ParsedInput } from '../../shared/contract'
import type { Session } from '../session'
import { toAuditEntry, type AuditEntry } from './audit-log'

export function listAudit(s: Session, q: ParsedInput<'audit.list'>): { entries: AuditEntry[]; total: number; nextBeforeSeq: number | null } {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  const filters = { action: 'action', entity: 'entity', entityId: 'entity_id', actor: 'actor' } as const
  for (const [field, column] of Object.entries(filters)) {
    const value = q[field as keyof typeof filters]
    if (value !== undefined) {
      where.push(`${column} = @${field}`)
      params[field] = value
    }
  }
  if (q.since) {
    where.push('at >= @since')
    params.since = q.since
  }
  if (q.until) {
    where.push('at <= @until')
    params.until = q.until
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const { n } = s.db.prepare(`SELECT count(*) AS n FROM audit_log ${filter}`).get(params) as { n: number }
  const page = [...where, ...(q.beforeSeq ? ['seq < @beforeSeq'] : [])]
  if (q.beforeSeq) params.beforeSeq = q.beforeSeq
  const rows = s.db
    .prepare(`SELECT * FROM audit_log ${page.length ? `WHERE ${page.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT @limit`)
    .all({ ...params, limit: q.limit + 1 }) as Parameters<typeof toAuditEntry>[0][]
  const entries = rows.slice(0, q.limit).map(toAuditEntry)
  return { entries, total: n, nextBeforeSeq: rows.length > q.limit ? entries[entries.length - 1]!.seq : null }
}
