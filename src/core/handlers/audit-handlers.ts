import { appendAudit, verifyAuditChain } from '../audit/audit-log'
import { listAudit } from '../audit/audit-query'
import type { Handlers } from '../dispatcher'
import { buildReport } from '../report/build-report'
import { signReportFiles, verifyReportFile } from '../report/report-files'
import { installationSigningKey } from '../signing/installation-key'
import type { CoreDeps } from './deps'

export function auditHandlers(d: CoreDeps): Pick<Handlers, 'audit.list' | 'audit.verify' | 'audit.report' | 'audit.verifyReport'> {
  return {
    'audit.list': (q) => listAudit(d.session(), q),
    'audit.verify': () => verifyAuditChain(d.session()),
    'audit.report': ({ formats, expiringWithinDays, unusedForDays }, ctx) => {
      const s = d.session()
      const key = installationSigningKey(s, ctx.actor)
      const report = buildReport(s, { expiringWithinDays, unusedForDays })
      const files = signReportFiles(report, key, formats)
      // The report is an export of findings: recorded by digest, never by content.
      appendAudit(s, {
        actor: ctx.actor,
        action: 'audit.report',
        entity: 'report',
        details: { signer: key.signer.fingerprint, findings: report.summary.total, files: files.map((f) => ({ format: f.format, sha256: f.sha256 })) },
      })
      return { report, signer: key.signer, files }
    },
    'audit.verifyReport': (input) => verifyReportFile(input),
  }
}
