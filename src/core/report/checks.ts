import { createHash } from 'node:crypto'
import type { AuditReport, Finding, FindingKind, Severity } from '../../shared/contract/audit'
import { verifyAuditChain } from '../audit/audit-log'
import type { Session } from '../session'

export interface CheckContext {
  session: Session
  now: Date
  options: AuditReport['options']
}

/**
 * One check of the offline audit: reads the store, returns findings. Checks never write and
 * never put secrets in a finding (names, ids and counts only).
 */
export interface ReportCheck {
  name: string
  run(ctx: CheckContext): Finding[]
}

export function findingId(kind: FindingKind, entity: string, entityId: string | null): string {
  return `F-${createHash('sha256').update(`${kind}\n${entity}\n${entityId ?? ''}`).digest('hex').slice(0, 12)}`
}

export function finding(kind: FindingKind, severity: Severity, entity: string, entityId: string | null, text: Omit<Finding, 'id' | 'kind' | 'severity' | 'entity' | 'entityId'>): Finding {
  return { id: findingId(kind, entity, entityId), kind, severity, entity, entityId, ...text }
}

export const auditChainCheck: ReportCheck = {
  name: 'audit-chain',
  run({ session }) {
    const chain = verifyAuditChain(session)
    if (chain.ok) {
      return [
        finding('audit_chain_verified', 'info', 'audit_log', null, {
          title: 'Audit log intact',
          detail: `All ${chain.entries} entries of the audit log chain correctly; the last hash is ${chain.lastHash}.`,
          fix: { text: 'Nothing to do.', route: null },
        }),
      ]
    }
    return [
      finding('audit_chain_broken', 'critical', 'audit_log', String(chain.firstBrokenSeq), {
        title: `Audit log broken at entry ${chain.firstBrokenSeq}`,
        detail: `The audit log no longer chains: ${chain.reason}. The history from this entry on cannot be trusted.`,
        fix: {
          text: 'Treat the vault file as tampered with: compare with a backup and with the checkpoints on the remote instance, and find out who had access to this device.',
          route: '/audit',
        },
      }),
    ]
  },
}

/** The checks that the data of this build allows; key, licence and user checks join here. */
export const reportChecks: ReportCheck[] = [auditChainCheck]
