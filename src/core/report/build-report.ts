import type { AuditReport, Severity } from '../../shared/contract/audit'
import { verifyAuditChain } from '../audit/audit-log'
import type { Session } from '../session'
import { reportChecks, type ReportCheck } from './checks'

const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info']

function count(s: Session, sql: string): number {
  return (s.db.prepare(sql).get() as { n: number }).n
}

/** Computes the report from the local store alone: no network, no writes. */
export function buildReport(s: Session, options: AuditReport['options'], checks: ReportCheck[] = reportChecks): AuditReport {
  const now = s.now()
  const findings = checks.flatMap((check) => check.run({ session: s, now, options }))
  findings.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id))
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((sev) => [sev, findings.filter((f) => f.severity === sev).length])) as Record<Severity, number>
  return {
    format: 'keyward-audit-report',
    schemaVersion: 1,
    generatedAt: now.toISOString(),
    installationId: s.installationId,
    options,
    checks: checks.map((c) => c.name),
    inventory: {
      regions: count(s, 'SELECT count(*) AS n FROM regions WHERE deleted_at IS NULL'),
      servers: count(s, 'SELECT count(*) AS n FROM servers WHERE deleted_at IS NULL'),
      collections: count(s, 'SELECT count(*) AS n FROM collections WHERE deleted_at IS NULL'),
      auditEntries: count(s, 'SELECT count(*) AS n FROM audit_log'),
    },
    auditChain: verifyAuditChain(s),
    summary: { total: findings.length, bySeverity },
    findings,
  }
}
