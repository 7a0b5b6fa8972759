import type { AuditReport } from '../../shared/contract/audit'

const COLUMNS = ['id', 'severity', 'kind', 'entity', 'entity_id', 'title', 'detail', 'fix', 'fix_route'] as const

/**
 * RFC 4180 CSV. A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR) is
 * prefixed with an apostrophe, since names in the store come from people.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function renderReportCsv(report: AuditReport): string {
  const lines = [COLUMNS.join(',')]
  for (const f of report.findings) {
    lines.push([f.id, f.severity, f.kind, f.entity, f.entityId ?? '', f.title, f.detail, f.fix.text, f.fix.route ?? ''].map(csvCell).join(','))
  }
  return `${lines.join('\r\n')}\r\n`
}
