import { z } from 'zod'
import { Empty, method } from './define'

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
} as const
