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
  // key usage counted in memory since the last flush belongs in the report
  s.keyIndex.usage.flush()
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
      clients: count(s, 'SELECT count(*) AS n FROM clients WHERE deleted_at IS NULL'),
      licences: count(s, 'SELECT count(*) AS n FROM licences WHERE deleted_at IS NULL'),
      apiKeys: count(s, "SELECT count(*) AS n FROM api_keys WHERE deleted_at IS NULL AND status <> 'revoked'"),
      serviceUsers: count(s, 'SELECT count(*) AS n FROM service_users WHERE deleted_at IS NULL'),
      auditEntries: count(s, 'SELECT count(*) AS n FROM audit_log'),
    },
    auditChain: verifyAuditChain(s),
    summary: { total: findings.length, bySeverity },
    findings,
  }
}
