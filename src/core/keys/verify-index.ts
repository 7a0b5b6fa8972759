import { hash } from 'node:crypto'
import { compileIpRules, ipAllowed, type CompiledIpRules } from '../../shared/ip-rules'
import { KEY_MAX_LENGTH, KEY_MIN_LENGTH, verifyKeyFormat } from '../../shared/key-format'
import type { VerifyCode, VerifyResult } from '../../shared/verify-codes'
import { RateLimiter } from './rate-limiter'

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

/** Usage of one key not yet written anywhere: uses since it was last taken, and the latest. */
export interface PendingUsage {
  id: string
  count: number
  lastMs: number
}

/** The index's side of usage: the writer takes what is pending in batches. */
export interface UsageSource {
  /** Removes and returns the pending usage of up to `limit` keys (keys with no use left out). */
  takeUsage(limit?: number): PendingUsage[]
  /** Puts back usage whose write failed: added to what came in since; dropped for keys gone meanwhile. */
  returnUsage(items: readonly PendingUsage[]): void
  /** Whether anything is left to take. */
  readonly hasPendingUsage: boolean
}

/** Where usage goes: told when the index starts holding usage nobody has taken yet (arm a timer). */
export interface UsageSink {
  pending(source: UsageSource): void
}

/** What the index keeps per key beyond its table slot: read on the slower paths only. */
interface IndexedKey {
  id: string
  /** where its slot starts in the table (in 32-bit words); moves when the table changes */
  at: number
  collectionId: string
  licenceId: string
  applicationKind: string
  permissionList: string[]
  permissions: Set<string>
  ipRules: CompiledIpRules
  rateLimitPerMinute: number
}

const msOrInfinity = (iso: string | null) => (iso === null ? Number.POSITIVE_INFINITY : Date.parse(iso))

/**
 * The table: open addressing with linear probing over slots of 16 32-bit words (64 bytes, one
 * cache line), at most half full, so a probe for a stored key usually reads one line that
 * holds everything a plain verification needs: the digest, the key's state, its expiry, its
 * licence and its usage counters. Only a key with IP rules or a rate limit, a request naming a
 * method, or a refusal reads the key's object; the VALID answer is built with the key (once per version)
 * and shared. SHA-256 output is uniform, so the digest's first word is the slot's hash.
 */
const SLOT = 16
/** digest words 0–7 */
const REF = 8 // entry number + 1; 0 = empty slot
const FLAGS = 9 // nonzero: the key is not active, or has checks that need its object
const UNTIL = 10 // float64 in words 10–11: when it stops verifying (expiry or end of grace), Infinity if never
const LICENCE = 12 // the licence's number in licenceUsable
const COUNT = 13 // uses since usage was last taken
const LAST = 14 // float64 in words 14–15: the latest use (ms)

const FLAG_INACTIVE = 1
const FLAG_REVOKED = 2
const FLAG_IP_RULES = 4
const FLAG_RATE_LIMIT = 8

const MIN_SLOTS = 1024

const scratchSlot = new Int32Array(SLOT)
const scratchTimes = new Float64Array(scratchSlot.buffer)

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

/** The little-endian 32-bit word at byte `o` of a digest held as a one-byte (latin1) string. */
const wordAt = (d: string, o: number) => d.charCodeAt(o) | (d.charCodeAt(o + 1) << 8) | (d.charCodeAt(o + 2) << 16) | (d.charCodeAt(o + 3) << 24)

/**
 * Whether the slot's eight digest words at `at` equal the digest, in constant time: every
 * word is read and XOR-ed whatever the earlier ones said (no early exit), so the time does not
 * tell how many leading bytes matched. Word order follows the digest's byte order.
 */
function sameDigest(t: Int32Array, at: number, d: string): boolean {
  const diff =
    (t[at]! ^ wordAt(d, 0)) |
    (t[at + 1]! ^ wordAt(d, 4)) |
    (t[at + 2]! ^ wordAt(d, 8)) |
    (t[at + 3]! ^ wordAt(d, 12)) |
    (t[at + 4]! ^ wordAt(d, 16)) |
    (t[at + 5]! ^ wordAt(d, 20)) |
    (t[at + 6]! ^ wordAt(d, 24)) |
    (t[at + 7]! ^ wordAt(d, 28))
  return diff === 0
}

export class VerifyIndex implements UsageSource {
  private table = new Int32Array(0)
  /** the same memory as float64 (UNTIL, LAST) */
  private times = new Float64Array(0)
  /** table length in words − 1 (the length is a power of two) */
  private wordMask = 0
  /** which bits of the digest's first word choose the home slot */
  private homeMask = 0
  /** entry number → key; numbers of removed keys are reused */
  private readonly entries: (IndexedKey | undefined)[] = []
  /**
   * entry number → its VALID answer, built with the entry (it depends on the entry's fields
   * only) and frozen, as callers share it; kept apart so the hot path reads no key object
   */
  private readonly valids: (Readonly<VerifyResult> | undefined)[] = []
  private readonly freeNumbers: number[] = []
  private readonly byId = new Map<string, number>()
  private readonly licenceNumbers = new Map<string, number>()
  /** licence number → 1 when usable (live and active) */
  private licenceUsable = new Uint8Array(64)
  private readonly limiter = new RateLimiter()
  /** entry numbers whose count went above zero since usage was last taken */
  private usageQueue: number[] = []
  /** usage of keys dropped by clear(), handed out before the queue */
  private carried: PendingUsage[] = []
  /** Tests pin the home slots to a few (a power of two), so probes walk long runs. */
  private readonly fixedHomes: number | undefined

  constructor(
    protected readonly nowMs: () => number,
    private readonly usageSink: UsageSink,
    options: { homeSlots?: number } = {},
  ) {
    this.fixedHomes = options.homeSlots
    this.allocate(MIN_SLOTS)
  }

  get size(): number {
    return this.byId.size
  }

  /** Forgets every key and licence (before a full reload); usage not yet taken is kept for the writer. */
  clear(): void {
    this.carried = this.carried.concat(this.takeUsage())
    this.byId.clear()
    this.entries.length = 0
    this.valids.length = 0
    this.freeNumbers.length = 0
    this.usageQueue = []
    this.licenceNumbers.clear()
    this.licenceUsable.fill(0)
    this.table = new Int32Array(0)
    this.allocate(MIN_SLOTS)
  }

  /** Whether keys of this licence may verify (it exists, is active and not deleted). */
  setLicence(id: string, usable: boolean): void {
    // the number first: finding it may grow (replace) the array
    const n = this.licenceNumber(id)
    this.licenceUsable[n] = usable ? 1 : 0
  }

  /** Adds or replaces a key; a replaced key keeps its pending usage. */
  upsert(key: CompactKey): void {
    if (key.digest.length !== 32) throw new Error('a key digest is 32 bytes')
    // everything that could throw comes before the table is touched
    const ipRules = compileIpRules(key.allowedIps)
    const rateLimitPerMinute = key.rateLimitPerMinute ?? 0
    const untilMs = Math.min(msOrInfinity(key.expiresAt), msOrInfinity(key.graceUntil))
    const permissionList = [...key.permissions]
    // built in one scratch slot and copied into the table: a typed array made per key cost
    // more than the rest of the upsert
    const slot = scratchSlot
    const slotTimes = scratchTimes
    slot.fill(0)
    const d = key.digest
    for (let w = 0; w < 8; w++) slot[w] = d[w * 4]! | (d[w * 4 + 1]! << 8) | (d[w * 4 + 2]! << 16) | (d[w * 4 + 3]! << 24)
    slot[FLAGS] =
      (key.status === 'inactive' ? FLAG_INACTIVE : 0) |
      (key.status === 'revoked' ? FLAG_REVOKED : 0) |
      (ipRules !== undefined ? FLAG_IP_RULES : 0) |
      (rateLimitPerMinute > 0 ? FLAG_RATE_LIMIT : 0)
    slot[LICENCE] = this.licenceNumber(key.licenceId)
    slotTimes[UNTIL >> 1] = untilMs
    let n = this.byId.get(key.id)
    if (n !== undefined) {
      // the replaced key's usage counters carry over
      const old = this.entries[n]!
      slot[COUNT] = this.table[old.at + COUNT]!
      slotTimes[LAST >> 1] = this.times[(old.at + LAST) >> 1]!
      this.removeSlot(old.at)
    } else {
      n = this.freeNumbers.pop() ?? this.entries.length
      this.byId.set(key.id, n)
      if ((this.byId.size + 1) * 2 > this.table.length / SLOT) this.allocate((this.table.length / SLOT) * 2)
    }
    slot[REF] = n + 1
    const entry: IndexedKey = {
      id: key.id,
      at: this.placeSlot(slot),
      collectionId: key.collectionId,
      licenceId: key.licenceId,
      applicationKind: key.applicationKind,
      permissionList,
      permissions: new Set(permissionList),
      ipRules,
      rateLimitPerMinute,
    }
    this.entries[n] = entry
    this.valids[n] = Object.freeze(answer('VALID', entry, untilMs))
  }

  /** Removes a key (deleted); its pending usage goes with it. */
  delete(id: string): void {
    const n = this.byId.get(id)
    if (n !== undefined) {
      this.removeSlot(this.entries[n]!.at)
      this.entries[n] = undefined
      this.valids[n] = undefined
      this.byId.delete(id)
      this.freeNumbers.push(n)
    }
    this.limiter.forget(id)
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  private licenceNumber(id: string): number {
    let n = this.licenceNumbers.get(id)
    if (n === undefined) {
      n = this.licenceNumbers.size
      this.licenceNumbers.set(id, n)
      if (n >= this.licenceUsable.length) {
        const bigger = new Uint8Array(this.licenceUsable.length * 2)
        bigger.set(this.licenceUsable)
        this.licenceUsable = bigger
      }
    }
    return n
  }

  private home(digestWord0: number): number {
    return (digestWord0 & this.homeMask) * SLOT
  }

  /** Puts a slot's 16 words at the first free place of its probe run; returns where. */
  private placeSlot(slot: Int32Array): number {
    const t = this.table
    let at = this.home(slot[0]!)
    while (t[at + REF] !== 0) at = (at + SLOT) & this.wordMask
    t.set(slot, at)
    return at
  }

  /**
   * Empties the slot at `at` and moves later slots of the same run back into the gap when
   * their home allows it (backward-shift deletion), so no probe ever needs tombstones.
   */
  private removeSlot(at: number): void {
    const t = this.table
    let gap = at
    let next = at
    for (;;) {
      next = (next + SLOT) & this.wordMask
      if (t[next + REF] === 0) break
      const home = this.home(t[next]!)
      // the slot at `next` may move into the gap unless its home lies cyclically in (gap, next]
      const stays = gap <= next ? gap < home && home <= next : gap < home || home <= next
      if (stays) continue
      t.copyWithin(gap, next, next + SLOT)
      this.entries[t[gap + REF]! - 1]!.at = gap
      gap = next
    }
    t.fill(0, gap, gap + SLOT)
  }

  /** A table of `slots` slots (a power of two) holding every current key. */
  private allocate(slots: number): void {
    const size = Math.max(slots, this.fixedHomes ?? 0, MIN_SLOTS)
    const old = this.table
    this.table = new Int32Array(size * SLOT)
    this.times = new Float64Array(this.table.buffer)
    this.wordMask = size * SLOT - 1
    this.homeMask = this.fixedHomes === undefined ? size - 1 : this.fixedHomes - 1
    for (let at = 0; at < old.length; at += SLOT) {
      const ref = old[at + REF]!
      if (ref !== 0) this.entries[ref - 1]!.at = this.placeSlot(old.subarray(at, at + SLOT))
    }
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
    // the digest as a one-byte string: Node hands that back about twice as fast as a Buffer
    const d = hash('sha256', key, 'binary')
    const t = this.table
    let at = this.home(wordAt(d, 0))
    for (;;) {
      if (t[at + REF] === 0) {
        const format = verifyKeyFormat(key)
        return { code: format === 'VALID_FORMAT' ? 'NOT_FOUND' : format }
      }
      if (sameDigest(t, at, d)) break
      at = (at + SLOT) & this.wordMask
    }
    const n = t[at + REF]! - 1
    const flags = t[at + FLAGS]!
    if (flags & FLAG_REVOKED) return answer('REVOKED', this.entries[n]!)
    if (flags & FLAG_INACTIVE) return answer('DISABLED', this.entries[n]!)
    const now = this.nowMs()
    const until = this.times[(at + UNTIL) >> 1]!
    if (now >= until) return answer('EXPIRED', this.entries[n]!, until)
    if (this.licenceUsable[t[at + LICENCE]!] === 0) return answer('LICENCE_INACTIVE', this.entries[n]!)
    if (flags !== 0 || method !== undefined) {
      const entry = this.entries[n]!
      if (flags & FLAG_IP_RULES && !ipAllowed(entry.ipRules, ip)) return answer('IP_NOT_ALLOWED', entry)
      if (method !== undefined && !entry.permissions.has(method)) return answer('FORBIDDEN_METHOD', entry)
      if (flags & FLAG_RATE_LIMIT) {
        const wait = this.limiter.take(entry.id, entry.rateLimitPerMinute, now)
        if (wait > 0) {
          const limited = answer('RATE_LIMITED', entry)
          limited.retryAfterMs = wait
          return limited
        }
      }
    }
    // usage: two writes in the slot's own cache line; the first use since the last take queues it
    const count = t[at + COUNT]!
    t[at + COUNT] = count + 1
    if (now > this.times[(at + LAST) >> 1]!) this.times[(at + LAST) >> 1] = now
    if (count === 0 && this.usageQueue.push(n) === 1) this.usageSink.pending(this)
    return this.valids[n]!
  }

  /** Usage of a key not yet taken by the writer, so reads can show fresh numbers. */
  pendingUsage(id: string): { count: number; lastMs: number } | undefined {
    const n = this.byId.get(id)
    if (n === undefined) return undefined
    const at = this.entries[n]!.at
    const count = this.table[at + COUNT]!
    return count > 0 ? { count, lastMs: this.times[(at + LAST) >> 1]! } : undefined
  }

  takeUsage(limit = Number.POSITIVE_INFINITY): PendingUsage[] {
    const out = this.carried.splice(0, Math.min(limit, this.carried.length))
    let i = 0
    for (; i < this.usageQueue.length && out.length < limit; i++) {
      const entry = this.entries[this.usageQueue[i]!]
      if (!entry) continue
      const count = this.table[entry.at + COUNT]!
      if (count === 0) continue
      out.push({ id: entry.id, count, lastMs: this.times[(entry.at + LAST) >> 1]! })
      this.table[entry.at + COUNT] = 0
      this.times[(entry.at + LAST) >> 1] = 0
    }
    this.usageQueue.splice(0, i)
    return out
  }

  returnUsage(items: readonly PendingUsage[]): void {
    for (const item of items) {
      const n = this.byId.get(item.id)
      if (n === undefined) continue
      const at = this.entries[n]!.at
      const count = this.table[at + COUNT]!
      this.table[at + COUNT] = count + item.count
      if (item.lastMs > this.times[(at + LAST) >> 1]!) this.times[(at + LAST) >> 1] = item.lastMs
      if (count === 0) this.usageQueue.push(n)
    }
    if (this.hasPendingUsage) this.usageSink.pending(this)
  }

  get hasPendingUsage(): boolean {
    return this.carried.length > 0 || this.usageQueue.length > 0
  }
}
