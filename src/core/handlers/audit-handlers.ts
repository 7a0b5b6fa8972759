import { listAudit } from '../audit/audit-query'
import { verifyAuditChain } from '../audit/audit-log'
import type { Handlers } from '../dispatcher'
import type { CoreDeps } from './deps'

export function auditHandlers(d: CoreDeps): Pick<Handlers, 'audit.list' | 'audit.verify'> {
  return {
    'audit.list': (q) => listAudit(d.session(), q),
    'audit.verify': () => verifyAuditChain(d.session()),
  }
}
