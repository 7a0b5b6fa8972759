import { createHash } from 'node:crypto'
import type { AuditReport, Finding, FindingKind, Severity } from '../../shared/contract/audit'
import { TIER_LABELS, licenceLimit, type Tier } from '../../shared/licensing'
import { verifyAuditChain } from '../audit/audit-log'
import { getCatalog } from '../catalog/catalog'
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

const DAY_MS = 86_400_000
/** A key issued this long ago that no gateway has verified yet is "never used". */
export const NEVER_USED_GRACE_DAYS = 7

/** Where the renderer shows an entity, for the finding's fix link. */
export const fixRoutes = {
  key: (id: string) => `/keys/${id}`,
  user: (id: string) => `/users/${id}`,
  client: (id: string) => `/clients/${id}`,
  collection: (id: string) => `/collections/${id}`,
}

interface CurrentKeyRow {
  id: string
  name: string
  collection_id: string
  collection_name: string
  licence_id: string
  application_id: string
  application_name: string
  template: string
  status: 'active' | 'inactive'
  allowed_ips: string
  permissions: string
  expires_at: string | null
  rotation_days: number
  last_used_at: string | null
  created_at: string
  licence_ok: number
}

/**
 * The keys that count: not deleted, not revoked, not replaced by a rotation (a predecessor in
 * its grace period is already being retired), not past expiry. Inactive keys are included:
 * they can be switched back on. `licence_ok` says whether an active licence binds the key's
 * own collection.
 */
function currentKeys(s: Session, now: Date): CurrentKeyRow[] {
  const rows = s.db
    .prepare(
      `SELECT k.id, k.name, k.collection_id, c.name AS collection_name, k.licence_id, k.application_id, a.name AS application_name,
              a.default_permissions AS template, k.status, k.allowed_ips, k.permissions, k.expires_at, k.rotation_days,
              k.last_used_at, k.created_at,
              EXISTS (SELECT 1 FROM licences l WHERE l.collection_id = k.collection_id AND l.status = 'active' AND l.deleted_at IS NULL) AS licence_ok
       FROM api_keys k JOIN collections c ON c.id = k.collection_id JOIN applications a ON a.id = k.application_id
       WHERE k.deleted_at IS NULL AND k.status <> 'revoked' AND k.successor_id IS NULL AND k.grace_until IS NULL
       ORDER BY k.created_at, k.id`,
    )
    .all() as CurrentKeyRow[]
  return rows.filter((r) => !r.expires_at || Date.parse(r.expires_at) > now.getTime())
}

const daysBetween = (fromIso: string, to: Date) => Math.floor((to.getTime() - Date.parse(fromIso)) / DAY_MS)
const keyLabel = (k: CurrentKeyRow) => `"${k.name}" (${k.application_name}, collection ${k.collection_name})`
const listSome = (ids: string[], max = 5) => `${ids.slice(0, max).join(', ')}${ids.length > max ? ` and ${ids.length - max} more` : ''}`
const allMethodIds = () => {
  const c = getCatalog()
  return [...c.rest.map((m) => m.id), ...c.soap.map((o) => o.id)]
}

/** Rotation age and expiry (DESIGN §1: rotation policy, default 90 days; expiry). */
export const keyLifetimeCheck: ReportCheck = {
  name: 'key-lifetime',
  run({ session, now, options }) {
    return currentKeys(session, now).flatMap((k) => {
      const out: Finding[] = []
      const age = daysBetween(k.created_at, now)
      if (age >= k.rotation_days) {
        out.push(
          finding('key_rotation_overdue', 'high', 'key', k.id, {
            title: `Key ${keyLabel(k)} is past its rotation age`,
            detail: `Issued ${age} days ago; its policy is to rotate every ${k.rotation_days} days.`,
            fix: { text: 'Rotate the key and hand the successor to the integrator before the grace period ends.', route: fixRoutes.key(k.id) },
          }),
        )
      }
      if (k.expires_at && Date.parse(k.expires_at) - now.getTime() <= options.expiringWithinDays * DAY_MS) {
        const days = Math.max(0, Math.ceil((Date.parse(k.expires_at) - now.getTime()) / DAY_MS))
        out.push(
          finding('key_expiring', 'medium', 'key', k.id, {
            title: `Key ${keyLabel(k)} expires in ${days} day${days === 1 ? '' : 's'}`,
            detail: `It stops verifying (EXPIRED) at ${k.expires_at}, within the ${options.expiringWithinDays}-day window of this report.`,
            fix: { text: 'Rotate the key, or extend its expiry if the integration should keep running.', route: fixRoutes.key(k.id) },
          }),
        )
      }
      return out
    })
  },
}

/** Keys nobody uses are keys nobody watches. */
export const keyUsageCheck: ReportCheck = {
  name: 'key-usage',
  run({ session, now, options }) {
    return currentKeys(session, now).flatMap((k) => {
      if (k.status !== 'active') return []
      if (k.last_used_at === null) {
        const age = daysBetween(k.created_at, now)
        if (age < NEVER_USED_GRACE_DAYS) return []
        return [
          finding('key_never_used', 'low', 'key', k.id, {
            title: `Key ${keyLabel(k)} has never been used`,
            detail: `Issued ${age} days ago and never verified by a gateway.`,
            fix: { text: 'If the integration was never set up or was abandoned, deactivate or revoke the key.', route: fixRoutes.key(k.id) },
          }),
        ]
      }
      const idle = daysBetween(k.last_used_at, now)
      if (idle < options.unusedForDays) return []
      return [
        finding('key_unused', 'low', 'key', k.id, {
          title: `Key ${keyLabel(k)} unused for ${idle} days`,
          detail: `Last verified at ${k.last_used_at}; the report flags keys unused for ${options.unusedForDays} days or more.`,
          fix: { text: 'Ask the integrator whether the key is still needed; deactivate or revoke it if not.', route: fixRoutes.key(k.id) },
        }),
      ]
    })
  },
}

/** Network scope and permissions of keys and service users (seeds 001–003). */
export const keyScopeCheck: ReportCheck = {
  name: 'key-scope',
  run({ session, now }) {
    const everything = allMethodIds()
    return currentKeys(session, now).flatMap((k) => {
      const out: Finding[] = []
      if ((JSON.parse(k.allowed_ips) as string[]).length === 0) {
        out.push(
          finding('key_allows_every_ip', 'medium', 'key', k.id, {
            title: `Key ${keyLabel(k)} allows every IP address`,
            detail: 'Its allowed-IP list is empty, so the key verifies from any address.',
            fix: { text: 'Restrict the key to the addresses or CIDR ranges of the integrator\'s servers.', route: fixRoutes.key(k.id) },
          }),
        )
      }
      const permissions = new Set(JSON.parse(k.permissions) as string[])
      const template = new Set(JSON.parse(k.template) as string[])
      if (everything.every((id) => permissions.has(id))) {
        out.push(
          finding('key_permissions_all', 'high', 'key', k.id, {
            title: `Key ${keyLabel(k)} may call every method`,
            detail: `It holds all ${everything.length} REST and SOAP methods of the catalog.`,
            fix: { text: `Reduce its permissions to what the application needs (the ${k.application_name} template is a start).`, route: fixRoutes.key(k.id) },
          }),
        )
      } else {
        const extra = [...permissions].filter((id) => !template.has(id)).sort()
        if (extra.length > 0) {
          out.push(
            finding('key_permissions_beyond_template', 'medium', 'key', k.id, {
              title: `Key ${keyLabel(k)} has ${extra.length} permission${extra.length === 1 ? '' : 's'} beyond its application template`,
              detail: `Not in the ${k.application_name} template: ${listSome(extra)}.`,
              fix: { text: 'Remove the extra methods unless the integration really needs them.', route: fixRoutes.key(k.id) },
            }),
          )
        }
      }
      return out
    })
  },
}

interface UserRow {
  id: string
  username: string
  collection_name: string
  status: 'active' | 'inactive'
  auth_method: 'password' | 'password_totp'
  rest_permissions: string
  soap_permissions: string
  application_name: string
  template: string
  live_tokens: number
}

function liveUsers(s: Session, now: Date): UserRow[] {
  return s.db
    .prepare(
      `SELECT u.id, u.username, c.name AS collection_name, u.status, u.auth_method, u.rest_permissions, u.soap_permissions,
              a.name AS application_name, a.default_permissions AS template,
              (SELECT count(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > ?) AS live_tokens
       FROM service_users u JOIN collections c ON c.id = u.collection_id JOIN api_keys k ON k.id = u.key_id JOIN applications a ON a.id = k.application_id
       WHERE u.deleted_at IS NULL
       ORDER BY u.username_lc, u.id`,
    )
    .all(now.toISOString()) as UserRow[]
}

/** Service users (seeds 001, 003): 2FA, permissions, tokens of disabled users. */
export const userCheck: ReportCheck = {
  name: 'service-users',
  run({ session, now }) {
    const everything = allMethodIds()
    return liveUsers(session, now).flatMap((u) => {
      const out: Finding[] = []
      const label = `"${u.username}" (collection ${u.collection_name})`
      if (u.status === 'active' && u.auth_method !== 'password_totp') {
        out.push(
          finding('user_without_2fa', 'medium', 'service_user', u.id, {
            title: `Service user ${label} logs in without 2FA`,
            detail: 'Tokens are issued on client ID + password alone.',
            fix: { text: 'Set up TOTP for the user and confirm it with a first code.', route: fixRoutes.user(u.id) },
          }),
        )
      }
      if (u.status === 'inactive' && u.live_tokens > 0) {
        out.push(
          finding('disabled_user_with_active_tokens', 'high', 'service_user', u.id, {
            title: `Disabled service user ${label} still has ${u.live_tokens} valid token${u.live_tokens === 1 ? '' : 's'}`,
            detail: 'Tokens issued before the user was deactivated are neither revoked nor expired.',
            fix: { text: 'Revoke the user\'s tokens (View more → Revoke).', route: fixRoutes.user(u.id) },
          }),
        )
      }
      const permissions = [...(JSON.parse(u.rest_permissions) as string[]), ...(JSON.parse(u.soap_permissions) as string[])]
      const held = new Set(permissions)
      const template = new Set(JSON.parse(u.template) as string[])
      const extra = permissions.filter((id) => !template.has(id)).sort()
      if (everything.every((id) => held.has(id)) || extra.length > 0) {
        const all = everything.every((id) => held.has(id))
        out.push(
          finding('user_permissions_over_broad', all ? 'high' : 'medium', 'service_user', u.id, {
            title: all ? `Service user ${label} may call every method` : `Service user ${label} has ${extra.length} permission${extra.length === 1 ? '' : 's'} beyond the ${u.application_name} template`,
            detail: all ? `It holds all ${everything.length} REST and SOAP methods of the catalog.` : `Not in the ${u.application_name} template: ${listSome(extra)}.`,
            fix: { text: 'Narrow the user\'s REST and SOAP permissions to what the integration calls.', route: fixRoutes.user(u.id) },
          }),
        )
      }
      return out
    })
  },
}

/** Seed 000: licences per tier, keys only on licensed collections, one active key per application and collection. */
export const licenceCheck: ReportCheck = {
  name: 'licences',
  run({ session, now }) {
    const out: Finding[] = []
    const clients = session.db
      .prepare(
        `SELECT cl.id, cl.name, cl.tier, count(l.id) AS licences
         FROM clients cl JOIN licences l ON l.client_id = cl.id AND l.deleted_at IS NULL
         WHERE cl.deleted_at IS NULL GROUP BY cl.id ORDER BY cl.name, cl.id`,
      )
      .all() as { id: string; name: string; tier: Tier; licences: number }[]
    for (const c of clients) {
      const limit = licenceLimit(c.tier)
      if (c.licences <= limit) continue
      out.push(
        finding('licences_over_tier', 'high', 'client', c.id, {
          title: `Client "${c.name}" holds ${c.licences} master licences; ${TIER_LABELS[c.tier]} allows ${limit}`,
          detail: `${c.licences - limit} licence${c.licences - limit === 1 ? '' : 's'} more than the tier allows (seed 000: Blue 1, Gold 2, Platinum 3).`,
          fix: { text: 'Release the extra licences (the tier preview lists the keys each would orphan), or move the client to a higher tier.', route: fixRoutes.client(c.id) },
        }),
      )
    }
    const keys = currentKeys(session, now)
    for (const k of keys) {
      if (k.licence_ok) continue
      out.push(
        finding('key_on_unlicensed_collection', 'high', 'key', k.id, {
          title: `Key ${keyLabel(k)} is on a collection without an active licence`,
          detail: `No active master licence binds collection ${k.collection_name}; the key is ${k.status}.`,
          fix: { text: 'Bind or reactivate a master licence for the collection, or revoke the key.', route: fixRoutes.collection(k.collection_id) },
        }),
      )
    }
    const groups = new Map<string, CurrentKeyRow[]>()
    for (const k of keys) {
      if (k.status !== 'active') continue
      const group = `${k.collection_id}\n${k.application_id}`
      groups.set(group, [...(groups.get(group) ?? []), k])
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue
      const first = group[0]!
      out.push(
        finding('duplicate_active_keys', 'high', 'collection', `${first.collection_id}/${first.application_id}`, {
          title: `${group.length} active ${first.application_name} keys on collection ${first.collection_name}`,
          detail: `Only one active key per application and collection is allowed: ${group.map((k) => `"${k.name}" (${k.id})`).join(', ')}.`,
          fix: { text: 'Keep the key the integration uses and revoke the others.', route: fixRoutes.collection(first.collection_id) },
        }),
      )
    }
    return out
  },
}

/** Every check of the offline audit, in report order. */
export const reportChecks: ReportCheck[] = [auditChainCheck, keyLifetimeCheck, keyUsageCheck, keyScopeCheck, licenceCheck, userCheck]
