import { hash } from 'node:crypto'
import { compileIpRules, ipAllowed, type CompiledIpRules } from '../../shared/ip-rules'
import { KEY_MAX_LENGTH, KEY_MIN_LENGTH, verifyKeyFormat } from '../../shared/key-format'
import type { VerifyCode, VerifyResult } from '../../shared/verify-codes'
import { RateLimiter } from './rate-limiter'
import type { UsageCell } from './usage-recorder'

/**
 * The in-memory verification index (DESIGN §2) without any store behind it: digest → compact
 * key record. The desktop's KeyIndex fills it from the encrypted vault, the remote instance
 * from its materialised sync state; both answer `verify` with this one implementation, so the
 * codes and their order cannot drift between the desktop and the gateway API.
 *
 * Verification is SHA-256 + one table lookup + a constant-time digest compare, no I/O.
 */

/** What the index needs to know about a key: the digest and non-secret fields only. */
export interface CompactKey {
  id: string
  /** SHA-256 of the whole key (32 bytes) */
  digest: Uint8Array
  collectionId: string
  licenceId: string
  applicationKind: string
  status: 'active' | 'inactive' | 'revoked'
  expiresAt: string | null
  graceUntil: string | null
  /** canonical IP rules (empty = every address) */
  allowedIps: readonly string[]
  permissions: readonly string[]
  rateLimitPerMinute: number | null
}

/** Where usage goes: recorded on the hot path as two field writes, written elsewhere later. */
export interface UsageSink {
  record(cell: UsageCell, nowMs: number): void
  /** A key's entry was replaced: its pending usage moves to the new entry. */
  transfer(from: UsageCell, to: UsageCell): void
}

/**
 * Fields in the order verification reads them: V8 lays an object literal's fields out in
 * the order they are written, so the hot ones share the first cache line.
 */
interface IndexedKey extends UsageCell {
  /** where the digest's eight 32-bit words sit in the slab */
  digestAt: number
  /** the VALID answer, built on first use: it depends on this entry's fields only */
  valid: VerifyResult | undefined
  /** next key in the same bucket */
  next: IndexedKey | undefined
  status: 'active' | 'inactive' | 'revoked'
  /** when it stops verifying: expiry or end of its rotation grace, whichever comes first; Infinity if never */
  untilMs: number
  /** shared with every key of the same licence; setLicence flips it */
  licence: LicenceCell
  ipRules: CompiledIpRules
  rateLimitPerMinute: number
  id: string
  collectionId: string
  licenceId: string
  applicationKind: string
  permissionList: string[]
  permissions: Set<string>
  /** the digest's first 30 bits: the bucket, without touching the slab */
  prefix: number
}

interface LicenceCell {
  usable: boolean
}

const msOrInfinity = (iso: string | null) => (iso === null ? Number.POSITIVE_INFINITY : Date.parse(iso))

/**
 * The digest table is a plain array of buckets indexed by the digest's first 30 bits masked
 * to the table size (a power of two, grown to stay above the key count). SHA-256 output is
 * uniform, so a bucket holds about one key; keys sharing a bucket are chained and told apart
 * by the full constant-time comparison. Cheaper than a Map keyed by a string or a 48-bit
 * number, which both allocate on every lookup. The digests themselves live side by side in
 * one slab of 32-bit words, so a comparison touches one cache line rather than a Buffer
 * object and its store, and needs no view allocated per probe.
 */
const MIN_BUCKETS = 1024

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

const readUInt32LE = (b: Uint8Array) => (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0

/**
 * Whether the slab's eight words at `at` equal the digest, in constant time: every word is
 * read and XOR-ed whatever the earlier ones said (no early exit), so the time does not tell
 * how many leading bytes matched. Word order in the slab follows the digest's byte order.
 */
function sameDigest(slab: Int32Array, at: number, d: Buffer): boolean {
  const diff =
    (slab[at]! ^ d.readInt32LE(0)) |
    (slab[at + 1]! ^ d.readInt32LE(4)) |
    (slab[at + 2]! ^ d.readInt32LE(8)) |
    (slab[at + 3]! ^ d.readInt32LE(12)) |
    (slab[at + 4]! ^ d.readInt32LE(16)) |
    (slab[at + 5]! ^ d.readInt32LE(20)) |
    (slab[at + 6]! ^ d.readInt32LE(24)) |
    (slab[at + 7]! ^ d.readInt32LE(28))
  return diff === 0
}

export class VerifyIndex {
  private buckets: (IndexedKey | undefined)[] = []
  private slab = new Int32Array(8 * MIN_BUCKETS)
  private slabUsed = 0
  private readonly freeDigestSlots: number[] = []
  private mask = 0
  private readonly byId = new Map<string, IndexedKey>()
  /** licence id → whether it is usable (live and active) */
  private readonly licences = new Map<string, LicenceCell>()
  private readonly limiter = new RateLimiter()
  /** Tests pin the table size to force chains. */
  private readonly fixedBuckets: number | undefined

  constructor(
    protected readonly nowMs: () => number,
    private readonly usageSink: UsageSink,
    options: { buckets?: number } = {},
  ) {
    this.fixedBuckets = options.buckets
    this.resize(options.buckets ?? MIN_BUCKETS)
  }

  get size(): number {
    return this.byId.size
  }

  /** Forgets every key and licence (before a full reload). */
  clear(): void {
    this.byId.clear()
    this.slabUsed = 0
    this.freeDigestSlots.length = 0
    this.resize(this.fixedBuckets ?? MIN_BUCKETS)
    this.licences.clear()
  }

  /** Whether keys of this licence may verify (it exists, is active and not deleted). */
  setLicence(id: string, usable: boolean): void {
    this.licenceCell(id).usable = usable
  }

  /** Adds or replaces a key; pending usage of the replaced entry carries over. */
  upsert(key: CompactKey): void {
    const old = this.byId.get(key.id)
    if (old) this.unlink(old)
    const fresh = this.put(key)
    if (old) this.usageSink.transfer(old, fresh)
  }

  /** Removes a key (deleted); its pending usage goes with it. */
  delete(id: string): void {
    const old = this.byId.get(id)
    if (old) {
      this.unlink(old)
      old.count = 0
    }
    this.limiter.forget(id)
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  private licenceCell(id: string): LicenceCell {
    let cell = this.licences.get(id)
    if (!cell) {
      cell = { usable: false }
      this.licences.set(id, cell)
    }
    return cell
  }

  private put(key: CompactKey): IndexedKey {
    const permissionList = [...key.permissions]
    const entry: IndexedKey = {
      digestAt: this.storeDigest(key.digest),
      valid: undefined,
      next: undefined,
      status: key.status,
      untilMs: Math.min(msOrInfinity(key.expiresAt), msOrInfinity(key.graceUntil)),
      licence: this.licenceCell(key.licenceId),
      ipRules: compileIpRules(key.allowedIps),
      rateLimitPerMinute: key.rateLimitPerMinute ?? 0,
      count: 0,
      lastMs: 0,
      dirty: false,
      id: key.id,
      collectionId: key.collectionId,
      licenceId: key.licenceId,
      applicationKind: key.applicationKind,
      permissionList,
      permissions: new Set(permissionList),
      prefix: readUInt32LE(key.digest) & 0x3fffffff,
    }
    if (this.fixedBuckets === undefined && this.byId.size >= this.buckets.length) this.resize(this.buckets.length * 4)
    this.link(entry)
    this.byId.set(entry.id, entry)
    return entry
  }

  private storeDigest(digest: Uint8Array): number {
    if (digest.length !== 32) throw new Error('a key digest is 32 bytes')
    let at = this.freeDigestSlots.pop()
    if (at === undefined) {
      if (this.slabUsed + 8 > this.slab.length) {
        const bigger = new Int32Array(this.slab.length * 2)
        bigger.set(this.slab)
        this.slab = bigger
      }
      at = this.slabUsed
      this.slabUsed += 8
    }
    const view = Buffer.from(digest.buffer, digest.byteOffset, 32)
    for (let w = 0; w < 8; w++) this.slab[at + w] = view.readInt32LE(w * 4)
    return at
  }

  private link(entry: IndexedKey): void {
    const slot = entry.prefix & this.mask
    entry.next = this.buckets[slot]
    this.buckets[slot] = entry
  }

  private unlink(entry: IndexedKey): void {
    this.byId.delete(entry.id)
    this.slab.fill(0, entry.digestAt, entry.digestAt + 8)
    this.freeDigestSlots.push(entry.digestAt)
    const slot = entry.prefix & this.mask
    if (this.buckets[slot] === entry) {
      this.buckets[slot] = entry.next
      return
    }
    let head = this.buckets[slot]
    while (head && head.next !== entry) head = head.next
    if (head) head.next = entry.next
  }

  /** Rehashes every entry into `size` buckets (a power of two). */
  private resize(size: number): void {
    this.buckets = new Array<IndexedKey | undefined>(size).fill(undefined)
    this.mask = size - 1
    for (const entry of this.byId.values()) this.link(entry)
  }

  /**
   * Answers as if the checks ran in this order: format (MALFORMED, BAD_CHECKSUM), existence,
   * the key's own state (revoked before disabled before expired: the most final answer wins),
   * the licence, the request (IP, method), and the rate limit last so a refused request does
   * not use up the allowance.
   *
   * The full format check runs only when the digest is not in the index: a stored key was
   * generated in the valid format, and a string with the same SHA-256 is that key, so for
   * found keys the check could only say VALID_FORMAT. The answers are the same either way;
   * the common case (a real key) skips a second pass over the string. A length guard still
   * keeps strings that cannot be keys away from the hash.
   */
  verify(key: string, ip?: string, method?: string): VerifyResult {
    if (typeof key !== 'string' || key.length < KEY_MIN_LENGTH || key.length > KEY_MAX_LENGTH) return { code: 'MALFORMED' }
    const digest = hash('sha256', key, 'buffer') as unknown as Buffer
    let entry = this.buckets[digest.readUInt32LE(0) & 0x3fffffff & this.mask]
    while (entry && !sameDigest(this.slab, entry.digestAt, digest)) entry = entry.next
    if (!entry) {
      const format = verifyKeyFormat(key)
      return { code: format === 'VALID_FORMAT' ? 'NOT_FOUND' : format }
    }
    if (entry.status === 'revoked') return answer('REVOKED', entry)
    if (entry.status === 'inactive') return answer('DISABLED', entry)
    const now = this.nowMs()
    const until = entry.untilMs
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
    this.usageSink.record(entry, now)
    // frozen: callers share it, so nobody may add retryAfterMs or the like to it
    return (entry.valid ??= Object.freeze(answer('VALID', entry, until)))
  }

  /** Usage of a key not yet written anywhere, so reads can show fresh numbers. */
  pendingUsage(id: string): { count: number; lastMs: number } | undefined {
    const entry = this.byId.get(id)
    return entry && entry.count > 0 ? { count: entry.count, lastMs: entry.lastMs } : undefined
  }
}
