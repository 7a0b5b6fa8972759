import { hash, timingSafeEqual } from 'node:crypto'
import { compileIpRules, ipAllowed, type CompiledIpRules } from '../../shared/ip-rules'
import { verifyKeyFormat } from '../../shared/key-format'
import type { VerifyCode, VerifyResult } from '../../shared/verify-codes'
import type { Db } from '../store/database'
import { RateLimiter } from './rate-limiter'
import { UsageRecorder, type UsageCell } from './usage-recorder'
import { prepared } from '../store/statements'

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
  /** shared with every key of the same licence; refreshLicences flips it */
  licence: LicenceCell
  usage: UsageCell
  /** next key whose digest starts with the same 48 bits (almost never set) */
  next: IndexedKey | undefined
}

interface LicenceCell {
  usable: boolean
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
/**
 * Map slot of a digest: its first 48 bits as a number. Turning the whole digest into a
 * string costs more than the SHA-256 itself; a number is free. Different digests sharing a
 * slot are chained and told apart by the full constant-time comparison.
 */
const SLOT_BYTES = 6

/** One object shape for every answer about a found key (cheaper than spreading). */
function answer(code: VerifyCode, entry: IndexedKey, until = Number.POSITIVE_INFINITY): VerifyResult {
  return {
    code,
    keyId: entry.id,
    collectionId: entry.collectionId,
    licenceId: entry.licenceId,
    applicationKind: entry.applicationKind,
    permissions: entry.permissionList,
    validUntil: until === Number.POSITIVE_INFINITY ? undefined : new Date(until).toISOString(),
  }
}

export class KeyIndex {
  private readonly byDigest = new Map<number, IndexedKey>()
  private readonly byId = new Map<string, IndexedKey>()
  /** licence id → whether it is usable (live and active) */
  private readonly licences = new Map<string, LicenceCell>()
  private readonly limiter = new RateLimiter()
  readonly usage: UsageRecorder

  private readonly slotBytes: number

  constructor(
    private readonly db: Db,
    private readonly nowMs: () => number,
    options: { usageFlushMs?: number; /** tests shrink slots to force chains */ slotBytes?: number } = {},
  ) {
    this.usage = new UsageRecorder(db, options.usageFlushMs)
    this.slotBytes = options.slotBytes ?? SLOT_BYTES
  }

  private slotOf(digest: Buffer): number {
    return digest.readUIntLE(0, this.slotBytes)
  }

  /** Builds the whole index; called once when the vault opens. */
  load(): this {
    this.byDigest.clear()
    this.byId.clear()
    this.licences.clear()
    for (const l of this.db.prepare('SELECT id, status, deleted_at FROM licences').iterate() as IterableIterator<{ id: string; status: string; deleted_at: string | null }>) {
      this.licenceCell(l.id).usable = l.status === 'active' && l.deleted_at === null
    }
    for (const row of this.db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE deleted_at IS NULL`).iterate() as IterableIterator<KeyRow>) this.put(row)
    return this
  }

  get size(): number {
    return this.byId.size
  }

  /** Re-reads these keys from the store (after a committed change). */
  refreshKeys(ids: Iterable<string>): void {
    const read = prepared(this.db, `SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?`)
    for (const id of ids) {
      const old = this.byId.get(id)
      if (old) this.remove(old)
      const row = read.get(id) as KeyRow | undefined
      if (row && row.deleted_at === null) {
        this.put(row)
      } else {
        this.limiter.forget(id)
        this.usage.forget(id)
      }
    }
  }

  /** Re-reads these licences from the store (after a committed change). */
  refreshLicences(ids: Iterable<string>): void {
    const read = prepared(this.db, 'SELECT status, deleted_at FROM licences WHERE id = ?')
    for (const id of ids) {
      const row = read.get(id) as { status: string; deleted_at: string | null } | undefined
      this.licenceCell(id).usable = !!row && row.status === 'active' && row.deleted_at === null
    }
  }

  private licenceCell(id: string): LicenceCell {
    let cell = this.licences.get(id)
    if (!cell) {
      cell = { usable: false }
      this.licences.set(id, cell)
    }
    return cell
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
      licence: this.licenceCell(row.licence_id),
      usage: this.usage.cellFor(row.id),
      next: undefined,
    }
    const slot = this.slotOf(entry.digest)
    entry.next = this.byDigest.get(slot)
    this.byDigest.set(slot, entry)
    this.byId.set(entry.id, entry)
  }

  private remove(entry: IndexedKey): void {
    this.byId.delete(entry.id)
    const slot = this.slotOf(entry.digest)
    let head = this.byDigest.get(slot)
    if (head === entry) {
      if (entry.next) this.byDigest.set(slot, entry.next)
      else this.byDigest.delete(slot)
      return
    }
    while (head && head.next !== entry) head = head.next
    if (head) head.next = entry.next
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
    let entry = this.byDigest.get(this.slotOf(digest))
    while (entry && !timingSafeEqual(entry.digest, digest)) entry = entry.next
    if (!entry) return { code: 'NOT_FOUND' }
    if (entry.status === 'revoked') return answer('REVOKED', entry)
    if (entry.status === 'inactive') return answer('DISABLED', entry)
    const now = this.nowMs()
    const until = entry.expiresAtMs < entry.graceUntilMs ? entry.expiresAtMs : entry.graceUntilMs
    if (now >= until) return answer('EXPIRED', entry, until)
    if (!entry.licence.usable) return answer('LICENCE_INACTIVE', entry)
    if (entry.ipRules !== undefined && !ipAllowed(entry.ipRules, ip)) return answer('IP_NOT_ALLOWED', entry)
    if (method !== undefined && !entry.permissions.has(method)) return answer('FORBIDDEN_METHOD', entry)
    if (entry.rateLimitPerMinute > 0) {
      const wait = this.limiter.take(entry.id, entry.rateLimitPerMinute, now)
      if (wait > 0) {
        const limited = answer('RATE_LIMITED', entry)
        limited.retryAfterMs = wait
        return limited
      }
    }
    this.usage.record(entry.usage, now)
    return answer('VALID', entry, until)
  }

  /** Writes pending usage and stops the timer (vault lock, close). */
  close(): void {
    this.usage.close()
  }
}
