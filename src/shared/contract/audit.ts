import { z } from 'zod'
import { Empty, method } from './define'
import { Signer } from './installation'

export const AuditEntry = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
})

export const ChainStatus = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), entries: z.number().int(), lastHash: z.string() }),
  z.object({ ok: z.literal(false), entries: z.number().int(), firstBrokenSeq: z.number().int(), reason: z.string() }),
])

/** How urgent a finding is; the report sorts by it. */
export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'info'])
export type Severity = z.infer<typeof Severity>

/**
 * Every kind of finding the offline audit can make (DESIGN §7, issue 7). A kind is listed
 * here once and checked by exactly one check in src/core/report/checks.
 */
export const FindingKind = z.enum([
  'audit_chain_verified',
  'audit_chain_broken',
  'key_rotation_overdue',
  'key_expiring',
  'key_never_used',
  'key_unused',
  'key_allows_every_ip',
  'key_permissions_all',
  'key_permissions_beyond_template',
  'user_permissions_over_broad',
  'licences_over_tier',
  'key_on_unlicensed_collection',
  'duplicate_active_keys',
  'user_without_2fa',
  'disabled_user_with_active_tokens',
])
export type FindingKind = z.infer<typeof FindingKind>

export const Finding = z.object({
  /** Stable across reports for the same problem on the same entity (kind + entity + id). */
  id: z.string(),
  severity: Severity,
  kind: FindingKind,
  /** `key`, `licence`, `client`, `service_user`, `collection`, `audit_log`, … */
  entity: z.string(),
  entityId: z.string().nullable(),
  title: z.string(),
  detail: z.string(),
  /** What to do, and where in the app to do it (a renderer route, or null). */
  fix: z.object({ text: z.string(), route: z.string().nullable() }),
})
export type Finding = z.infer<typeof Finding>

export const ReportOptions = z.strictObject({
  expiringWithinDays: z.number().int().min(1).max(3650).default(30),
  unusedForDays: z.number().int().min(1).max(3650).default(90),
})

export const AuditReport = z.object({
  format: z.literal('keyward-audit-report'),
  schemaVersion: z.literal(1),
  generatedAt: z.string(),
  installationId: z.string(),
  options: z.object({ expiringWithinDays: z.number().int(), unusedForDays: z.number().int() }),
  /** The checks that ran; a finding kind whose check is not listed was not looked for. */
  checks: z.array(z.string()),
  inventory: z.record(z.string(), z.number().int()),
  auditChain: ChainStatus,
  summary: z.object({ total: z.number().int(), bySeverity: z.record(Severity, z.number().int()) }),
  findings: z.array(Finding),
})
export type AuditReport = z.infer<typeof AuditReport>

export const ReportFormat = z.enum(['json', 'html', 'csv'])
export type ReportFormat = z.infer<typeof ReportFormat>

export const ReportFile = z.object({
  format: ReportFormat,
  fileName: z.string(),
  mediaType: z.string(),
  content: z.string(),
  /** SHA-256 of the content (UTF-8), hex. */
  sha256: z.string(),
  /** CSV carries its signature in a detached file next to it. */
  signatureFile: z.object({ fileName: z.string(), content: z.string() }).nullable(),
})

export const ReportVerification = z.object({
  valid: z.literal(true),
  format: ReportFormat,
  signer: Signer,
  sha256: z.string(),
})

export const auditMethods = {
  'audit.list': method(
    'Audit entries, newest first, filtered and paged',
    z.strictObject({
      action: z.string().max(64).optional(),
      entity: z.string().max(64).optional(),
      entityId: z.string().max(64).optional(),
      actor: z.string().max(128).optional(),
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
      beforeSeq: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    z.object({ entries: z.array(AuditEntry), total: z.number().int(), nextBeforeSeq: z.number().int().nullable() }),
  ),
  'audit.verify': method('Walk the hash chain and name the first broken link', Empty, ChainStatus),
  'audit.report': method(
    'Compute the offline audit report from the store and sign it (JSON, printable HTML, CSV)',
    ReportOptions.extend({ formats: z.array(ReportFormat).min(1).max(3).default(['json', 'html', 'csv']) }),
    z.object({ report: AuditReport, signer: Signer, files: z.array(ReportFile) }),
  ),
  'audit.verifyReport': method(
    'Check the signature of a report file offline and name the key that signed it',
    z.strictObject({
      fileName: z.string().max(4096),
      content: z.string().max(64 * 1024 * 1024),
      /** The detached `.sig` of a CSV report. */
      signature: z.string().max(64 * 1024).optional(),
      /** Refuse unless this key signed it (fingerprint, spaces optional). */
      expectSigner: z.string().max(200).optional(),
    }),
    ReportVerification,
    'always',
  ),
} as const
