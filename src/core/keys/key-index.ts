import { hash, timingSafeEqual } from 'node:crypto'
import { compileIpRules, ipAllowed, type CompiledIpRules } from '../../shared/ip-rules'
import { verifyKeyFormat } from '../../shared/key-format'
import type { VerifyResult } from '../../shared/verify-codes'
import type { Db } from '../store/database'
import { RateLimiter } from './rate-limiter'
import { UsageRecorder } from './usage-recorder'

/**
 * The in-memory verification index (DESIGN §2): digest → compact key record, built when the
 * vault opens and refreshed from the store after every committed change to a key or a
 * licence. Verification is then SHA-256 + one Map lookup + a constant-time digest compare,
 * with no SQL on the hot path.
 */
interface IndexedKey {
  id: string
  digest: Buffer
  collectionId: string
  licenceId: string
  applicationKind: string
  status: 'active' | 'inactive' | 'revoked'
  /** ms since epoch; Infinity when it never expires. */
  expiresAtMs: number
  /** end of the rotation grace period of a replaced key; Infinity for a current key */
  graceUntilMs: number
  ipRules: CompiledIpRules
  permissions: Set<string>
  permissionList: string[]
  rateLimitPerMinute: number
}

interface KeyRow {
  id: string
  digest: Buffer
  collection_id: string
  licence_id: string
  application_id: string
  status: 'active' | 'inactive' | 'revoked'
  expires_at: string | null
  grace_until: string | null
  allowed_ips: string
  permissions: string
  rate_limit_per_minute: number | null
  deleted_at: string | null
}

const KEY_COLUMNS = 'id, digest, collection_id, licence_id, application_id, status, expires_at, grace_until, allowed_ips, permissions, rate_limit_per_minute, deleted_at'
const msOrInfinity = (iso: string | null) => (iso === null ? Number.POSITIVE_INFINITY : Date.parse(iso))
/** Digests as Map keys: a 32-character binary string is cheaper than hex. */
const mapKey = (digest: Buffer) => digest.toString('latin1')

export class KeyIndex {
  private readonly byDigest = new Map<string, IndexedKey>()
  private readonly byId = new Map<string, IndexedKey>()
  /** licence id → usable (live and active) */
  private readonly licences = new Map<string, boolean>()
  private readonly limiter = new RateLimiter()
  readonly usage: UsageRecorder

  constructor(
    private readonly db: Db,
    private readonly nowMs: () => number,
    usageFlushMs?: number,
  ) {
    this.usage = new UsageRecorder(db, usageFlushMs)
  }

  /** Builds the whole index; called once when the vault opens. */
  load(): this {
    this.byDigest.clear()
    this.byId.clear()
    this.licences.clear()
    for (const l of this.db.prepare('SELECT id, status, deleted_at FROM licences').iterate() as IterableIterator<{ id: string; status: string; deleted_at: string | null }>) {
      this.licences.set(l.id, l.status === 'active' && l.deleted_at === null)
    }
    for (const row of this.db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE deleted_at IS NULL`).iterate() as IterableIterator<KeyRow>) this.put(row)
    return this
  }

  get size(): number {
    return this.byId.size
  }

  /** Re-reads these keys from the store (after a committed change). */
  refreshKeys(ids: Iterable<string>): void {
    const read = this.db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`)
    for (const id of ids) {
      const old = this.byId.get(id)
      if (old) {
        this.byId.delete(id)
        this.byDigest.delete(mapKey(old.digest))
      }
      const row = read.get(id) as KeyRow | undefined
      if (row && row.deleted_at === null) this.put(row)
      else this.limiter.forget(id)
    }
  }

  /** Re-reads these licences from the store (after a committed change). */
  refreshLicences(ids: Iterable<string>): void {
    const read = this.db.prepare('SELECT status, deleted_at FROM licences WHERE id = ?')
    for (const id of ids) {
      const row = read.get(id) as { status: string; deleted_at: string | null } | undefined
      this.licences.set(id, !!row && row.status === 'active' && row.deleted_at === null)
    }
  }

  private put(row: KeyRow): void {
    const permissionList = JSON.parse(row.permissions) as string[]
    const entry: IndexedKey = {
      id: row.id,
      digest: Buffer.from(row.digest),
      collectionId: row.collection_id,
      licenceId: row.licence_id,
      applicationKind: row.application_id,
      status: row.status,
      expiresAtMs: msOrInfinity(row.expires_at),
      graceUntilMs: msOrInfinity(row.grace_until),
      ipRules: compileIpRules(JSON.parse(row.allowed_ips) as string[]),
      permissions: new Set(permissionList),
      permissionList,
      rateLimitPerMinute: row.rate_limit_per_minute ?? 0,
    }
    this.byDigest.set(mapKey(entry.digest), entry)
    this.byId.set(entry.id, entry)
  }

  /**
   * The order of checks is deliberate: format first (offline, no lookup), then existence,
   * then the key's own state (revoked before disabled before expired: the most final answer
   * wins), then the licence, then the request (IP, method), and the rate limit last so a
   * refused request does not use up the allowance.
   */
  verify(key: string, ip?: string, method?: string): VerifyResult {
    const format = verifyKeyFormat(key)
    if (format !== 'VALID_FORMAT') return { code: format }
    const digest = hash('sha256', key, 'buffer') as unknown as Buffer
    const entry = this.byDigest.get(mapKey(digest))
    if (!entry || !timingSafeEqual(entry.digest, digest)) return { code: 'NOT_FOUND' }
    const found = {
      keyId: entry.id,
      collectionId: entry.collectionId,
      licenceId: entry.licenceId,
      applicationKind: entry.applicationKind,
      permissions: entry.permissionList,
    }
    if (entry.status === 'revoked') return { code: 'REVOKED', ...found }
    if (entry.status === 'inactive') return { code: 'DISABLED', ...found }
    const now = this.nowMs()
    const until = entry.expiresAtMs < entry.graceUntilMs ? entry.expiresAtMs : entry.graceUntilMs
    if (now >= until) return { code: 'EXPIRED', ...found, validUntil: new Date(until).toISOString() }
    if (this.licences.get(entry.licenceId) !== true) return { code: 'LICENCE_INACTIVE', ...found }
    if (!ipAllowed(entry.ipRules, ip)) return { code: 'IP_NOT_ALLOWED', ...found }
    if (method !== undefined && !entry.permissions.has(method)) return { code: 'FORBIDDEN_METHOD', ...found }
    if (entry.rateLimitPerMinute > 0) {
      const wait = this.limiter.take(entry.id, entry.rateLimitPerMinute, now)
      if (wait > 0) return { code: 'RATE_LIMITED', ...found, retryAfterMs: wait }
    }
    this.usage.record(entry.id, now)
    return until === Number.POSITIVE_INFINITY ? { code: 'VALID', ...found } : { code: 'VALID', ...found, validUntil: new Date(until).toISOString() }
  }

  /** Writes pending usage and stops the timer (vault lock, close). */
  close(): void {
    this.usage.close()
  }
}
