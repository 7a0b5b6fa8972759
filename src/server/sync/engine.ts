import { setImmediate as nextTurn } from 'node:timers/promises'
import { hash } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import { canonicalJson } from '../../core/audit/audit-log'
import type { Logger } from '../../core/logger'
import { VerifyIndex, type CompactKey } from '../../core/keys/verify-index'
import { createHlc } from '../../core/store/hlc'
import { mergeField, type Stamped } from '../../core/sync/merge'
import { KeywardError } from '../../shared/errors'
import { normalizeIpRules } from '../../shared/ip-rules'
import { verifyKeyFormat } from '../../shared/key-format'
import { licenceLimit, Tier } from '../../shared/licensing'
import { SERVER_NODE, type Change, type Conflict, type OpOutcome, type SyncEntity, type SyncOp, type SyncValue } from '../../shared/sync'
import { dialectText, type Dialect, type SqlDriver, type SqlQueries, type SqlTx, type SqlValue } from '../store/sql-driver'
import { JsonText } from '../http/json-text'
import { ServerUsage } from './usage'

/**
 * The server side of sync (DESIGN §6) and the state the gateway API answers from.
 *
 * The durable truth is the database: `changes` (the log desktops pull; an applied operation's
 * change row is also its at-most-once record) and `ops` (the answer to each operation that
 * was not applied: stale, or refused as a conflict). `entity_fields` (which change holds the
 * winning value of every field) is a snapshot of the log up to `sync_fields_through`
 * (server_meta), folded in after the pushes (fold) so a push writes only its log rows. This
 * class keeps every field's winning value in memory (from the snapshot and the log after
 * it), follows the change log (its own pushes and, over a shared PostgreSQL, every other
 * instance's), and keeps the verification index and the licence-rule lookups in step with
 * it, so a gateway request touches no SQL.
 *
 * Pushes are serialised by the 'changes' lock; inside it the copy first catches up with the
 * log, so licence rules are checked against everything committed before. A change row is
 * written only when it wins its field, so a field's winning change is its latest (MAX(seq)).
 */

/** The node id of stamps the server writes itself (corrections after a conflict); shared with the desktop client. */
export { SERVER_NODE }

interface EntityState {
  entity: SyncEntity
  id: string
  collectionId: string
  /** the collection's number in sync_collections, which its change rows hold (migration 0010) */
  collectionNo: number
  fields: Map<string, Stamped<SyncValue>>
}

interface ChangeRow {
  seq: number | string
  collection_id: string
  entity: SyncEntity
  entity_id: string
  field: string
  value: string
  hlc: string
}

interface ConflictRow {
  id: string
  collection_id: string
  entity: string
  entity_id: string
  field: string | null
  kind: Conflict['kind']
  message: string
  proposed_value: string | null
  current_value: string | null
  hlc: string
  op_id: string | null
  detected_at: string
  resolved_at: string | null
  resolution: 'kept_server' | 'reapplied' | null
}

const key = (entity: string, id: string) => `${entity}:${id}`

/**
 * SHA-256 of the op's canonical JSON (`canonicalJson`, sorted keys), stored per op id to
 * tell a replay from a reused id. An op of the wire schema has exactly these seven keys and
 * a value that is a scalar or a list of strings, whose JSON.stringify is already canonical,
 * so the text is written out directly (the same string, hence the same stored hashes, at a
 * fraction of the cost); anything else takes the general path.
 */
const OP_KEYS = 7
export function opHash(op: SyncOp): string {
  const v = op.value
  const plain = typeof v !== 'object' || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'))
  const text =
    plain && Object.keys(op).length === OP_KEYS && op.opId !== undefined && op.entity !== undefined && op.entityId !== undefined && op.collectionId !== undefined && op.field !== undefined && op.hlc !== undefined && v !== undefined
      ? `{"collectionId":${JSON.stringify(op.collectionId)},"entity":${JSON.stringify(op.entity)},"entityId":${JSON.stringify(op.entityId)},"field":${JSON.stringify(op.field)},"hlc":${JSON.stringify(op.hlc)},"opId":${JSON.stringify(op.opId)},"value":${JSON.stringify(v)}}`
      : canonicalJson({ ...op })
  return hash('sha256', text, 'hex')
}

/** Any string value that is a well-formed Keyward key is a plaintext secret: never stored. */
function containsPlainKey(value: SyncValue): boolean {
  const strings = Array.isArray(value) ? value : typeof value === 'string' ? [value] : []
  return strings.some((s) => /[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}/.test(s) && (s.match(/[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}/g) ?? []).some((k) => verifyKeyFormat(k) === 'VALID_FORMAT'))
}

/**
 * The answer kept in `ops.result` for replays: the status alone ('applied', 'stale'), or
 * 'conflict <conflict id>' (the op id is the row's key). Rows written before this form hold
 * the outcome's JSON, which is still read.
 */
const encodeOutcome = (o: OpOutcome): string => (o.conflictId === undefined ? o.status : `${o.status} ${o.conflictId}`)
function decodeOutcome(opId: string, stored: string): OpOutcome {
  if (stored.startsWith('{')) return JSON.parse(stored) as OpOutcome
  const [status, conflictId] = stored.split(' ') as [OpOutcome['status'], string | undefined]
  return conflictId === undefined ? { opId, status } : { opId, status, conflictId }
}

type Row = SqlValue[]

/**
 * What the server has of an operation id: its stored answer with the hash of the op as it
 * came (an `ops` row), or the change row an applied op became (which holds the op as sent:
 * an applied op's value and stamp are the field's new ones), or, within a batch, the answer
 * an earlier op of the same id (the same op, checked before) just got.
 */
interface Received {
  result: OpOutcome
  hash?: string
  change?: ChangeRow
}

/** Whether `op` is the very operation `received` records (a replay), not another one reusing its id. */
function sameOp(received: Received, op: SyncOp): boolean {
  if (received.hash !== undefined) return received.hash === opHash(op)
  const c = received.change
  if (c === undefined) return true
  return c.collection_id === op.collectionId && c.entity === op.entity && c.entity_id === op.entityId && c.field === op.field && c.hlc === op.hlc && c.value === JSON.stringify(op.value)
}
interface Rows {
  ops: Row[]
  changes: Row[]
  conflicts: Row[]
  /** entities whose verification-index entry is brought up to date once, after the batch */
  touched: Set<EntityState>
}

/**
 * The fields the licence rules read (deriveRules, violation): which key holds a licence's slot
 * for an application (slotOf), which licences a client has and how many are active, a client's
 * tier. An op on any other field can neither move those lookups nor break a rule.
 */
const RULE_FIELDS: Partial<Record<SyncEntity, ReadonlySet<string>>> = {
  api_keys: new Set(['licence_id', 'application_id', 'status', 'grace_until', 'deleted_at']),
  licences: new Set(['client_id', 'status', 'deleted_at']),
  clients: new Set(['tier']),
}

/** Rows an op-id range lookup reads at most before the ids are looked up by IN lists instead (opsAmong). */
const OP_RANGE_ROWS = 1_000

/** The op ids of a push batch, and the least and greatest of them (as JavaScript orders strings). */
interface OpIds {
  ids: string[]
  has(id: string): boolean
  least: string
  greatest: string
}

/** The column of a change row (appendChange) that names its push batch. */
const PUSH_ID = 8

/** Most rows of one multi-row INSERT: ~900 parameters, under every SQLite and PostgreSQL limit. */
const MAX_PARAMS = 900
const insertSql = new Map<string, string>()

/** Multi-row INSERTs in chunks of at most MAX_PARAMS parameters; the SQL text of each size is built once. */
async function insertMany(tx: SqlTx, head: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return
  const width = rows[0]!.length
  const per = Math.max(1, Math.floor(MAX_PARAMS / width))
  for (let i = 0; i < rows.length; i += per) {
    const n = Math.min(per, rows.length - i)
    const cacheKey = `${n}|${head}`
    let sql = insertSql.get(cacheKey)
    if (sql === undefined) {
      const mark = `(${Array.from({ length: width }, () => '?').join(', ')})`
      sql = `${head} ${Array.from({ length: n }, () => mark).join(', ')}`
      if (insertSql.size < 200) insertSql.set(cacheKey, sql)
    }
    const params: SqlValue[] = new Array(n * width)
    for (let r = 0, at = 0; r < n; r++) {
      const row = rows[i + r]!
      for (let c = 0; c < width; c++) params[at++] = row[c]!
    }
    await tx.run(sql, params)
  }
}

/**
 * The value a conflict reports as the server's: what now stands on the op's field, i.e. the
 * correction when it rewrote that field (a key left 'inactive', the previous tier), else the
 * value the corrected field held before the correction.
 */
const serverValue = (op: SyncOp, correction: { field: string; value: SyncValue }, correctedBefore: Stamped<SyncValue> | undefined) =>
  correction.field === op.field ? correction.value : correctedBefore?.value

/** How far entity_fields is complete (server_meta; migration 0009). */
const FOLDED_KEY = 'sync_fields_through'
const foldedMark = async (q: SqlQueries) => Number((await q.get<{ value: string }>('SELECT value FROM server_meta WHERE key = ?', [FOLDED_KEY]))?.value ?? 0)

/**
 * Points every field changed in (from, to] at its latest change. A change row exists only
 * for a value that won its field, so the latest is the winner; a pointer only moves forwards,
 * so folds of overlapping ranges, in any order, on any instance, leave the same table.
 */
const FOLD_SQL = `INSERT INTO entity_fields (entity, entity_id, field, seq)
  SELECT entity, entity_id, field, MAX(seq) FROM changes WHERE seq > ? AND seq <= ? GROUP BY entity, entity_id, field
  ON CONFLICT (entity, entity_id, field) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > entity_fields.seq`

const stringOrNull = (v: SyncValue | undefined) => (typeof v === 'string' ? v : null)
const stringsOrNone = (v: SyncValue | undefined) => (Array.isArray(v) ? v : [])

/** A page of the change log: its changes as a JSON array text, how many, the seq of the last. */
interface Page {
  changes: string
  n: number
  last: number
}

/**
 * A change row (c) with its collection's UUID (k): a row holds its collection's number
 * (migration 0010).
 */
const CHANGES_WITH_COLLECTION = 'changes c JOIN sync_collections k ON k.n = c.collection_no'
/** A change as the JSON object of SyncPullResult's changes, per dialect. */
const CHANGE_MEMBERS = [
  ['seq', 'c.seq'],
  ['collectionId', 'k.id'],
  ['entity', 'c.entity'],
  ['entityId', 'c.entity_id'],
  ['field', 'c.field'],
  ['value', 'c.value', true],
  ['hlc', 'c.hlc'],
] as const
const PAGE_OBJECT: Record<Dialect, string> = { sqlite: dialectText.sqlite.jsonObject(CHANGE_MEMBERS), postgres: dialectText.postgres.jsonObject(CHANGE_MEMBERS) }
/** The condition for the changes (c) after `cursor`, of every collection or of one (by its UUID), with its parameters. */
const pageFilter = (cursor: number, collectionId: string | undefined): { where: string; params: (number | string)[] } =>
  collectionId
    ? { where: 'c.seq > ? AND c.collection_no = (SELECT n FROM sync_collections WHERE id = ?)', params: [cursor, collectionId] }
    : { where: 'c.seq > ?', params: [cursor] }
const pageKey = (cursor: number, limit: number, collectionId: string | undefined) => `${cursor}|${limit}|${collectionId ?? ''}`
/** Pages read ahead and kept at once, the oldest dropped first: one per desktop pulling at the time. */
const READ_AHEAD_PAGES = 8
/** How long a page read ahead waits to be asked for. */
const READ_AHEAD_MS = 30_000

export interface FoldOptions {
  /** Fold once sync traffic (a push that changed something, a pull) has paused this long (ms; 0: only when fold() is called). */
  idleMs?: number
  /** Fold anyway once the first unfolded push is this old (ms), however busy sync is. */
  maxWaitMs?: number
  /** Changes per fold transaction: each holds the event loop (SQLite) for about this many rows' work. */
  chunk?: number
  /** Changes not yet folded beyond which a push starts the fold at once, idle or not (bounds what a start replays). */
  backlogMax?: number
}

export interface PushResult {
  outcomes: OpOutcome[]
  /** The log position after this push (pull from here to see the server's answers). */
  cursor: number
}

export class SyncEngine {
  private readonly state = new Map<string, EntityState>()
  /** collections that hold a record */
  private readonly collections = new Set<string>()
  /** collection UUID → its number in sync_collections, and back */
  private readonly collectionNos = new Map<string, number>()
  private readonly collectionIds = new Map<number, string>()
  /** `${licence}|${application}` → ids of keys holding that slot (active, live, not in grace) */
  private readonly slots = new Map<string, Set<string>>()
  /** key id → the slot it holds */
  private readonly slotByKey = new Map<string, string>()
  /** client id → its licences (any status), and licence id → its client, for the tier rule */
  private readonly licencesByClient = new Map<string, Set<EntityState>>()
  private readonly clientOfLicence = new Map<string, string>()
  private lastSeq = 0
  /** the record entityOf found last (forgotten with the copy in load) */
  private lastEntity: EntityState | undefined
  private readonly hlc = createHlc(SERVER_NODE, () => this.now().getTime())
  readonly index: VerifyIndex
  readonly usage: ServerUsage
  private tailTimer: NodeJS.Timeout | undefined
  /** entity_fields is complete up to here (as this instance last read or wrote it) */
  private folded = 0
  private foldTimer: NodeJS.Timeout | undefined
  /** when the pending fold was first scheduled (Date.now()) */
  private foldWaitingSince = 0
  private folding: Promise<void> | undefined
  private closing = false
  private readonly foldOptions: Required<FoldOptions>
  /** pages read ahead for the pull likely to come next (pageKey → the page, or undefined when it was not full) */
  private readonly readAhead = new Map<string, { page: Promise<Page | undefined>; timer: NodeJS.Timeout }>()

  constructor(
    private readonly driver: SqlDriver,
    private readonly now: () => Date,
    private readonly logger: Logger,
    options: { usageFlushMs?: number; fold?: FoldOptions } = {},
  ) {
    this.usage = new ServerUsage(driver, logger, options.usageFlushMs)
    this.index = new VerifyIndex(() => this.now().getTime(), this.usage)
    this.foldOptions = { idleMs: 1_000, maxWaitMs: 30_000, chunk: 2_000, backlogMax: 1_000_000, ...options.fold }
  }

  get cursor(): number {
    return this.lastSeq
  }

  /**
   * Builds the in-memory copy from entity_fields and the log after it; then follows the log
   * every `tailMs`.
   */
  async load(tailMs = 1_000): Promise<this> {
    this.state.clear()
    this.lastEntity = undefined
    this.collections.clear()
    this.collectionNos.clear()
    this.collectionIds.clear()
    this.slots.clear()
    this.slotByKey.clear()
    this.licencesByClient.clear()
    this.clientOfLicence.clear()
    this.index.clear()
    const q = this.driver.queries
    this.folded = await foldedMark(q)
    this.lastSeq = this.folded
    for (const r of await q.all<{ n: number; id: string }>('SELECT n, id FROM sync_collections')) this.numbered(r.id, r.n)
    // each field's winning value up to there is the change entity_fields points at (a pointer
    // a fold has moved past it since is left out: the replay below reaches its change)
    const rows = await q.all<{ collection_no: number; entity: SyncEntity; entity_id: string; field: string; value: string; hlc: string }>(
      'SELECT c.collection_no, f.entity, f.entity_id, f.field, c.value, c.hlc FROM entity_fields f JOIN changes c ON c.seq = f.seq WHERE f.seq <= ?',
      [this.folded],
    )
    const touched = new Set<EntityState>()
    for (const r of rows) {
      const ent = this.entityOf(r.entity, r.entity_id, this.collectionIds.get(r.collection_no)!)
      ent.fields.set(r.field, { value: JSON.parse(r.value) as SyncValue, hlc: r.hlc })
      touched.add(ent)
    }
    for (const ent of touched) this.derive(ent)
    // then the log after the snapshot, as any other instance's changes are followed
    await this.catchUp(q)
    if (this.lastSeq > this.folded) this.scheduleFold()
    if (tailMs > 0) {
      this.tailTimer = setInterval(() => {
        this.catchUp(this.driver.queries).catch((error: unknown) => this.logger.warn({ error: String(error) }, 'following the change log failed; retrying'))
      }, tailMs)
      this.tailTimer.unref()
    }
    return this
  }

  async close(): Promise<void> {
    this.closing = true
    if (this.tailTimer) clearInterval(this.tailTimer)
    if (this.foldTimer) clearTimeout(this.foldTimer)
    for (const k of [...this.readAhead.keys()]) this.dropReadAhead(k)
    // a fold under way stops after its current transaction; what is left is replayed on the next start
    await this.folding
    await this.usage.close()
  }

  /** How far entity_fields is complete, as this instance last read or wrote it. */
  get foldedThrough(): number {
    return this.folded
  }

  /**
   * Folds the committed log into entity_fields, a transaction per `chunk` changes with a turn
   * of the event loop between them, until it reaches the end of the log as it was when a
   * transaction began (or the engine closes). Resolves when done; errors are logged and the
   * next push schedules another try.
   */
  fold(): Promise<void> {
    this.folding ??= this.foldAll()
      .catch((error: unknown) => this.logger.warn({ error: String(error) }, 'folding the change log into entity_fields failed; retrying after the next push'))
      .finally(() => (this.folding = undefined))
    return this.folding
  }

  private async foldAll(): Promise<void> {
    const chunk = this.foldOptions.chunk
    while (!this.closing) {
      const done = await this.driver.transaction(async (tx) => {
        await tx.lock('fields')
        // from the table's own mark (another instance may have folded further) to at most the
        // end of what is committed: seq order is commit order, so nothing below it is pending
        const from = await foldedMark(tx)
        const top = Number((await tx.get<{ seq: number | string | null }>('SELECT MAX(seq) AS seq FROM changes'))?.seq ?? 0)
        const to = Math.min(top, from + chunk)
        if (to > from) {
          await tx.run(FOLD_SQL, [from, to])
          await tx.run(`UPDATE server_meta SET value = ? WHERE key = ? AND CAST(value AS BIGINT) < ?`, [String(to), FOLDED_KEY, to])
        }
        this.folded = Math.max(from, to)
        return to >= top
      })
      if (done) return
      await nextTurn()
    }
  }

  /**
   * After a push that changed something: fold once sync traffic pauses, at once when the
   * unfolded log has grown too long or the fold has waited maxWaitMs.
   */
  private scheduleFold(): void {
    if (this.closing) return
    const { idleMs, maxWaitMs, backlogMax } = this.foldOptions
    if (this.lastSeq - this.folded > backlogMax) return this.foldNow()
    if (idleMs <= 0) return
    if (!this.foldTimer) {
      this.foldWaitingSince = Date.now()
      this.foldTimer = setTimeout(() => this.foldNow(), idleMs)
      this.foldTimer.unref()
    } else if (Date.now() - this.foldWaitingSince >= maxWaitMs) this.foldNow()
    else this.foldTimer.refresh()
  }

  /** A pull is sync traffic too: a pending fold waits for it to pause (up to maxWaitMs). */
  private postponeFold(): void {
    if (this.foldTimer && Date.now() - this.foldWaitingSince < this.foldOptions.maxWaitMs) this.foldTimer.refresh()
  }

  private foldNow(): void {
    if (this.foldTimer) clearTimeout(this.foldTimer)
    this.foldTimer = undefined
    void this.fold()
  }

  /** Applies committed changes after the copy's position (other instances' pushes). */
  async catchUp(q: SqlQueries): Promise<void> {
    for (;;) {
      const rows = await q.all<ChangeRow & { collection_no: number }>(
        `SELECT c.seq, c.collection_no, k.id AS collection_id, c.entity, c.entity_id, c.field, c.value, c.hlc FROM ${CHANGES_WITH_COLLECTION} WHERE c.seq > ? ORDER BY c.seq LIMIT 5000`,
        [this.lastSeq],
      )
      const touched = new Set<EntityState>()
      for (const r of rows) {
        const seq = Number(r.seq)
        if (seq <= this.lastSeq) continue
        // another instance may have numbered a collection this one has not seen yet
        this.numbered(r.collection_id, r.collection_no)
        const ent = this.entityOf(r.entity, r.entity_id, r.collection_id)
        const { next, changed } = mergeField(r.field, ent.fields.get(r.field), { value: JSON.parse(r.value) as SyncValue, hlc: r.hlc })
        if (changed) {
          ent.fields.set(r.field, next)
          this.deriveRules(ent)
          touched.add(ent)
        }
        this.lastSeq = seq
      }
      for (const ent of touched) this.deriveIndex(ent)
      if (rows.length < 5000) return
    }
  }

  private entityOf(entity: SyncEntity, id: string, collectionId: string): EntityState {
    // a record's fields come one after another: the last one asked for is the likely answer
    const last = this.lastEntity
    if (last !== undefined && last.id === id && last.entity === entity) return last
    const k = key(entity, id)
    let ent = this.state.get(k)
    if (!ent) {
      const collectionNo = this.collectionNos.get(collectionId)
      // numbered before any record of it is made (load, catchUp, numberCollections)
      if (collectionNo === undefined) throw new Error(`collection ${collectionId} has no number`)
      ent = { entity, id, collectionId, collectionNo, fields: new Map() }
      this.state.set(k, ent)
      this.collections.add(collectionId)
    }
    this.lastEntity = ent
    return ent
  }

  private numbered(collectionId: string, n: number): void {
    this.collectionNos.set(collectionId, n)
    this.collectionIds.set(n, collectionId)
  }

  /**
   * Gives a number (sync_collections) to each collection of the batch that a new record is
   * made in and has none yet, in the push's transaction: rolled back with it, and numbered
   * once across instances (under the 'changes' lock).
   */
  private async numberCollections(tx: SqlTx, ops: SyncOp[]): Promise<void> {
    const fresh = new Set<string>()
    for (const op of ops) {
      if (!this.collectionNos.has(op.collectionId) && !this.state.has(key(op.entity, op.entityId))) fresh.add(op.collectionId)
    }
    for (const id of fresh) {
      await tx.run('INSERT INTO sync_collections (id) VALUES (?) ON CONFLICT (id) DO NOTHING', [id])
      const row = await tx.get<{ n: number }>('SELECT n FROM sync_collections WHERE id = ?', [id])
      this.numbered(id, row!.n)
    }
  }

  private val(ent: EntityState | undefined, field: string): SyncValue | undefined {
    return ent?.fields.get(field)?.value
  }

  private live(ent: EntityState | undefined): boolean {
    return !!ent && (this.val(ent, 'deleted_at') ?? null) === null
  }

  private slotOf(ent: EntityState): string | undefined {
    if (ent.entity !== 'api_keys' || !this.live(ent)) return undefined
    if (this.val(ent, 'status') !== 'active' || (this.val(ent, 'grace_until') ?? null) !== null) return undefined
    const licence = this.val(ent, 'licence_id')
    const app = this.val(ent, 'application_id')
    return typeof licence === 'string' && typeof app === 'string' ? `${licence}|${app}` : undefined
  }

  /** Keeps the slot map, the verification index and licence usability in step with `ent`. */
  private derive(ent: EntityState): void {
    this.deriveRules(ent)
    this.deriveIndex(ent)
  }

  /**
   * The lookups the licence rules read (which key holds which slot, which licences a client
   * has). Kept current after every op, since the next op of the same batch is checked against them.
   */
  private deriveRules(ent: EntityState): void {
    if (ent.entity === 'licences') {
      const had = this.clientOfLicence.get(ent.id)
      const client = this.val(ent, 'client_id')
      const now = typeof client === 'string' ? client : undefined
      if (had !== now) {
        if (had !== undefined) {
          const set = this.licencesByClient.get(had)
          if (set?.delete(ent) && set.size === 0) this.licencesByClient.delete(had)
          this.clientOfLicence.delete(ent.id)
        }
        if (now !== undefined) {
          let set = this.licencesByClient.get(now)
          if (!set) this.licencesByClient.set(now, (set = new Set()))
          set.add(ent)
          this.clientOfLicence.set(ent.id, now)
        }
      }
      return
    }
    if (ent.entity === 'api_keys') {
      const held = this.slotByKey.get(ent.id)
      const slot = this.slotOf(ent)
      if (held !== slot) {
        if (held !== undefined) {
          const ids = this.slots.get(held)
          if (ids?.delete(ent.id) && ids.size === 0) this.slots.delete(held)
          this.slotByKey.delete(ent.id)
        }
        if (slot !== undefined) {
          let ids = this.slots.get(slot)
          if (!ids) this.slots.set(slot, (ids = new Set()))
          ids.add(ent.id)
          this.slotByKey.set(ent.id, slot)
        }
      }
    }
  }

  /** The verification index entry of a key, or a licence's usability: what gateways read. */
  private deriveIndex(ent: EntityState): void {
    if (ent.entity === 'api_keys') {
      const compact = this.compactKey(ent)
      if (compact) this.index.upsert(compact)
      else this.index.delete(ent.id)
    } else if (ent.entity === 'licences') {
      this.index.setLicence(ent.id, this.live(ent) && this.val(ent, 'status') === 'active')
    }
  }

  private compactKey(ent: EntityState): CompactKey | undefined {
    // no closures here: run through tsx (keepNames), each one made costs a defineProperty
    if (!this.live(ent)) return undefined
    const digest = this.val(ent, 'digest')
    const status = this.val(ent, 'status')
    const licenceId = this.val(ent, 'licence_id')
    const app = this.val(ent, 'application_id')
    if (typeof digest !== 'string' || typeof licenceId !== 'string' || typeof app !== 'string') return undefined
    if (status !== 'active' && status !== 'inactive' && status !== 'revoked') return undefined
    const rate = this.val(ent, 'rate_limit_per_minute')
    return {
      id: ent.id,
      digest: Buffer.from(digest, 'hex'),
      collectionId: ent.collectionId,
      licenceId,
      applicationKind: app,
      status,
      expiresAt: stringOrNull(this.val(ent, 'expires_at')),
      graceUntil: stringOrNull(this.val(ent, 'grace_until')),
      allowedIps: stringsOrNone(this.val(ent, 'allowed_ips')),
      permissions: stringsOrNone(this.val(ent, 'permissions')),
      rateLimitPerMinute: typeof rate === 'number' && rate > 0 ? rate : null,
    }
  }

  /** Field values the server must be able to use, checked before anything is written. */
  private checkValue(op: SyncOp): void {
    if (containsPlainKey(op.value)) throw new KeywardError('SECRET_IN_CLEAR', `${op.entity}.${op.field} carries a plaintext API key; secrets are sent sealed under the organisation sync key.`)
    if (op.entity === 'api_keys') {
      if ((op.field === 'allowed_ips' || op.field === 'permissions') && !Array.isArray(op.value)) throw new KeywardError('INVALID_INPUT', `api_keys.${op.field} is a list of strings.`)
      if (op.field === 'allowed_ips' && Array.isArray(op.value) && !normalizeIpRules(op.value).ok) throw new KeywardError('INVALID_INPUT', 'api_keys.allowed_ips holds an entry that is not an IP address or CIDR range.')
      if (op.field === 'status' && !['active', 'inactive', 'revoked'].includes(op.value as string)) throw new KeywardError('INVALID_INPUT', 'api_keys.status is active, inactive or revoked.')
      if (op.field === 'rate_limit_per_minute' && op.value !== null && (typeof op.value !== 'number' || !Number.isInteger(op.value) || op.value <= 0)) {
        throw new KeywardError('INVALID_INPUT', 'api_keys.rate_limit_per_minute is a positive integer or null.')
      }
      if (['expires_at', 'grace_until', 'deleted_at', 'revoked_at'].includes(op.field) && op.value !== null && (typeof op.value !== 'string' || Number.isNaN(Date.parse(op.value)))) {
        throw new KeywardError('INVALID_INPUT', `api_keys.${op.field} is a timestamp or null.`)
      }
    }
    if (op.entity === 'licences' && op.field === 'status' && op.value !== 'active' && op.value !== 'inactive') throw new KeywardError('INVALID_INPUT', 'licences.status is active or inactive.')
    if (op.entity === 'clients' && op.field === 'tier' && !Tier.safeParse(op.value).success) throw new KeywardError('INVALID_INPUT', 'clients.tier is blue, gold or platinum.')
  }

  private activeLicences(clientId: string): EntityState[] {
    const out: EntityState[] = []
    for (const ent of this.licencesByClient.get(clientId) ?? []) {
      if (this.live(ent) && this.val(ent, 'status') === 'active') out.push(ent)
    }
    return out
  }

  /**
   * The licence rules, on the state after the op was applied. Returns the conflict and the
   * correction that restores the rule (written with a server stamp later than the op, so every
   * replica converges on it), or nothing when the rules hold.
   */
  private violation(ent: EntityState, op: SyncOp): { kind: Conflict['kind']; message: string; correction: { field: string; value: SyncValue } } | undefined {
    if (ent.entity === 'api_keys') {
      const slot = this.slotOf(ent)
      const holders = slot ? [...(this.slots.get(slot) ?? [])].filter((id) => id !== ent.id) : []
      if (holders.length > 0) {
        return {
          kind: 'ONE_ACTIVE_KEY',
          message: `Key ${ent.id} was left inactive: key ${holders[0]} is already the active key of this licence and application.`,
          correction: { field: 'status', value: 'inactive' },
        }
      }
    }
    if (ent.entity === 'licences' && this.live(ent) && this.val(ent, 'status') === 'active') {
      const clientId = this.val(ent, 'client_id')
      const client = typeof clientId === 'string' ? this.state.get(key('clients', clientId)) : undefined
      const tier = Tier.safeParse(this.val(client, 'tier'))
      if (tier.success && this.activeLicences(clientId as string).length > licenceLimit(tier.data)) {
        return {
          kind: 'TIER_LIMIT',
          message: `Licence ${ent.id} was left inactive: the client's ${tier.data} tier allows ${licenceLimit(tier.data)} active licence(s).`,
          correction: { field: 'status', value: 'inactive' },
        }
      }
    }
    if (ent.entity === 'clients' && op.field === 'tier') {
      const tier = Tier.safeParse(this.val(ent, 'tier'))
      const count = this.activeLicences(ent.id).length
      if (tier.success && count > licenceLimit(tier.data)) {
        const previous = this.previousTier ?? 'platinum'
        return {
          kind: 'TIER_LIMIT',
          message: `The tier change of client ${ent.id} to ${tier.data} was refused: it has ${count} active licences; release licences first.`,
          correction: { field: 'tier', value: previous },
        }
      }
    }
    return undefined
  }

  private previousTier: SyncValue | undefined

  /**
   * Applies a batch at most once per operation id. A replayed operation gets its stored
   * answer; an operation id seen with another body refuses the whole batch (OP_ID_REUSED)
   * before anything is written.
   */
  async push(deviceId: string, ops: SyncOp[]): Promise<PushResult> {
    for (const op of ops) this.checkValue(op)
    const seenInBatch = new Map<string, SyncOp>()
    for (const op of ops) {
      const prior = seenInBatch.get(op.opId)
      if (prior !== undefined && opHash(prior) !== opHash(op)) throw new KeywardError('OP_ID_REUSED', `Operation ${op.opId} appears twice in this batch with different contents.`)
      seenInBatch.set(op.opId, op)
    }
    try {
      const result = await this.driver.transaction(async (tx) => {
        await tx.lock('changes')
        await this.catchUp(tx)
        const known = await this.received(tx, seenInBatch)
        for (const op of ops) {
          const k = known.get(op.opId)
          if (k && !sameOp(k, op)) throw new KeywardError('OP_ID_REUSED', `Operation ${op.opId} was already received with different contents; a new change needs a new operation id.`)
        }
        // The server's clock moves past every stamp of the batch once (a correction is stamped
        // after the op it corrects, and so after every op of the batch): stamps are fixed-width
        // `wall-counter-node`, so the latest is the greatest string
        let latest: string | undefined
        for (const op of ops) if (latest === undefined || op.hlc > latest) latest = op.hlc
        if (latest !== undefined) this.hlc.receive(latest)
        await this.numberCollections(tx, ops)
        const outcomes: OpOutcome[] = []
        const at = this.now().toISOString()
        const rows: Rows = { ops: [], changes: [], conflicts: [], touched: new Set() }
        for (const op of ops) {
          const prior = known.get(op.opId)
          if (prior) {
            outcomes.push(prior.result)
            continue
          }
          const outcome = this.applyOne(rows, deviceId, op, at)
          // an applied op is recorded by its change row; any other answer here, with the op's hash
          if (outcome.status !== 'applied') rows.ops.push([op.opId, deviceId, opHash(op), at, encodeOutcome(outcome)])
          // a repeat of the id later in this batch (the same op, checked above) gets this answer
          known.set(op.opId, { result: outcome })
          outcomes.push(outcome)
        }
        for (const ent of rows.touched) this.deriveIndex(ent)
        // Written in multi-row statements, in foreign-key order; one commit for the batch. The
        // device and the time are the batch's (pushes), written once when it changed anything.
        await insertMany(tx, 'INSERT INTO ops (op_id, device_id, request_hash, received_at, result) VALUES', rows.ops)
        if (rows.changes.length > 0) {
          const batch = await tx.get<{ id: number | string }>('INSERT INTO pushes (device_id, received_at) VALUES (?, ?) RETURNING id', [deviceId, at])
          const pushId = Number(batch!.id)
          for (const row of rows.changes) row[PUSH_ID] = pushId
        }
        await insertMany(tx, 'INSERT INTO changes (seq, collection_no, entity, entity_id, field, value, hlc, op_id, push_id) VALUES', rows.changes)
        await insertMany(
          tx,
          'INSERT INTO conflicts (id, collection_id, entity, entity_id, field, kind, message, proposed_value, current_value, hlc, op_id, origin_device, detected_at) VALUES',
          rows.conflicts,
        )
        return { outcomes, cursor: this.lastSeq, wrote: rows.changes.length > 0 }
      })
      if (result.wrote) this.scheduleFold()
      return { outcomes: result.outcomes, cursor: result.cursor }
    } catch (error) {
      // The copy may hold writes of the rolled-back transaction: rebuild it from the database.
      if (!(error instanceof KeywardError)) await this.reload()
      else if (error.code !== 'OP_ID_REUSED') await this.reload()
      throw error
    }
  }

  /**
   * What was received before under any of `ids`. Ops answered otherwise than 'applied' (and
   * every op from before migration 0007) are in `ops`; an applied op is its change row, which
   * holds the op as it was sent.
   */
  private async received(tx: SqlTx, batch: ReadonlyMap<string, SyncOp>): Promise<Map<string, Received>> {
    const known = new Map<string, Received>()
    const ids = [...batch.keys()]
    if (ids.length === 0) return known
    let least = ids[0]!
    let greatest = least
    for (const id of ids) {
      if (id < least) least = id
      else if (id > greatest) greatest = id
    }
    const among: OpIds = { ids, has: (id) => batch.has(id), least, greatest }
    await this.opsAmong<{ op_id: string; request_hash: string; result: string }>(tx, 'SELECT op_id, request_hash, result FROM ops WHERE op_id', among, (r) =>
      known.set(r.op_id, { hash: r.request_hash, result: decodeOutcome(r.op_id, r.result) }),
    )
    await this.opsAmong<ChangeRow & { op_id: string }>(
      tx,
      `SELECT c.op_id, k.id AS collection_id, c.entity, c.entity_id, c.field, c.value, c.hlc FROM ${CHANGES_WITH_COLLECTION} WHERE c.op_id`,
      among,
      (r) => {
        if (!known.has(r.op_id)) known.set(r.op_id, { change: r, result: { opId: r.op_id, status: 'applied' } })
      },
    )
    return known
  }

  /**
   * Calls `found` with each row of `select` (ending in its op-id column) whose op id is one of
   * the batch's. On SQLite it first reads the rows whose op ids lie between the least and the
   * greatest of them, which is a single index seek for a desktop's batch of time-ordered ids
   * (UUIDv7), nearly always newer than anything stored, where binding every id and building
   * the IN list cost about a tenth of a push. Op ids are ASCII (the wire schema's UUID), which
   * SQLite compares byte by byte as JavaScript compares strings; a PostgreSQL column compares
   * by the database's collation, so there, and when the range holds more than
   * OP_RANGE_ROWS rows (ids spread across the key space: UUIDv4, or a replay of old ops), the
   * ids are looked up by IN lists.
   */
  private async opsAmong<R extends { op_id: string }>(tx: SqlTx, select: string, batch: OpIds, found: (row: R) => void): Promise<void> {
    if (this.driver.dialect === 'sqlite') {
      const rows = await tx.all<R>(`${select} BETWEEN ? AND ? LIMIT ${OP_RANGE_ROWS + 1}`, [batch.least, batch.greatest])
      if (rows.length <= OP_RANGE_ROWS) {
        for (const r of rows) if (batch.has(r.op_id)) found(r)
        return
      }
    }
    const { ids } = batch
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500)
      for (const r of await tx.all<R>(`${select} IN (${chunk.map(() => '?').join(',')})`, chunk)) found(r)
    }
  }

  private async reload(): Promise<void> {
    const timer = this.tailTimer
    this.tailTimer = undefined
    await this.load(0)
    this.tailTimer = timer
  }

  /** A change row of this batch; its last column, the batch's push id, is set when the batch is written. */
  private appendChange(rows: Rows, ent: EntityState, field: string, next: Stamped<SyncValue>, opId: string | null): void {
    const seq = this.lastSeq + 1
    const value = JSON.stringify(next.value)
    rows.changes.push([seq, ent.collectionNo, ent.entity, ent.id, field, value, next.hlc, opId, null])
    ent.fields.set(field, next)
    this.lastSeq = seq
  }

  private applyOne(rows: Rows, deviceId: string, op: SyncOp, at: string): OpOutcome {
    const ent = this.entityOf(op.entity, op.entityId, op.collectionId)
    const current = ent.fields.get(op.field)
    const { next, changed } = mergeField(op.field, current, { value: op.value, hlc: op.hlc })
    if (!changed) return { opId: op.opId, status: 'stale' }
    this.previousTier = op.entity === 'clients' && op.field === 'tier' ? (current?.value ?? 'platinum') : undefined
    ent.fields.set(op.field, next)
    rows.touched.add(ent)
    // The rule lookups follow every op that can move them; the index entry once per batch (rows.touched).
    const ruled = RULE_FIELDS[op.entity]?.has(op.field) === true
    if (ruled) this.deriveRules(ent)
    const broken = ruled ? this.violation(ent, op) : undefined
    this.appendChange(rows, ent, op.field, next, op.opId)
    if (!broken) return { opId: op.opId, status: 'applied' }
    // The op is kept in the log (nothing is dropped); the correction, stamped after it, wins.
    const correction = { value: broken.correction.value, hlc: this.hlc.now() }
    const before = serverValue(op, broken.correction, ent.fields.get(broken.correction.field))
    this.appendChange(rows, ent, broken.correction.field, correction, null)
    this.deriveRules(ent)
    const conflictId = uuidv7()
    rows.conflicts.push([conflictId, ent.collectionId, ent.entity, ent.id, op.field, broken.kind, broken.message, JSON.stringify(op.value), JSON.stringify(before ?? null), op.hlc, op.opId, deviceId, at])
    return { opId: op.opId, status: 'conflict', conflictId }
  }

  /**
   * A page of the change log after `cursor`, as the JSON text of a SyncPullResult. When the
   * page is full and more follows, the next page is read ahead (readAhead) for the request
   * that is likely to come for it: a desktop parses and applies a page before it can ask for
   * the next, and the server would otherwise wait idle in that time, then make it wait in turn.
   */
  async pull(cursor: number, limit: number, collectionId?: string): Promise<JsonText<{ changes: Change[]; next: number; more: boolean }>> {
    this.postponeFold()
    const k = pageKey(cursor, limit, collectionId)
    const ahead = this.readAhead.get(k)
    this.dropReadAhead(k)
    const page = (ahead && (await ahead.page)) ?? (await this.readPage(cursor, limit, collectionId))
    const next = page.n > 0 ? page.last : cursor
    // asked now, not kept with a page read ahead: changes may have been committed since
    const after = pageFilter(next, collectionId)
    const more = page.n === limit && (await this.driver.queries.get(`SELECT 1 AS one FROM changes c WHERE ${after.where} LIMIT 1`, after.params)) !== undefined
    if (more) this.readPageAhead(next, limit, collectionId)
    return new JsonText(`{"changes":${page.changes},"next":${next},"more":${more}}`)
  }

  /**
   * The changes after `cursor` (at most `limit`), as a JSON array text. The database makes each
   * row's JSON object text with its own JSON functions: values are stored as the JSON text this
   * server wrote (JSON.stringify of a validated SyncValue) and go in as the values they encode,
   * and no change becomes a JavaScript object on the way. The rows come in seq order, one text
   * each, and are joined here (on SQLite about a fifth faster than one aggregate of the page,
   * whose ORDER BY sorts the rows again). Only committed changes are read, so with seq order
   * being commit order a full page never changes.
   */
  private async readPage(cursor: number, limit: number, collectionId?: string): Promise<Page> {
    const after = pageFilter(cursor, collectionId)
    const rows = await this.driver.queries.all<{ seq: number | string; j: string }>(
      `SELECT c.seq, ${PAGE_OBJECT[this.driver.dialect]} AS j FROM ${CHANGES_WITH_COLLECTION} WHERE ${after.where} ORDER BY c.seq LIMIT ?`,
      [...after.params, limit],
    )
    let changes = '['
    for (let i = 0; i < rows.length; i++) changes += i === 0 ? rows[i]!.j : `,${rows[i]!.j}`
    return { changes: `${changes}]`, n: rows.length, last: rows.length > 0 ? Number(rows[rows.length - 1]!.seq) : cursor }
  }

  /**
   * Reads the page after `cursor` in the next turn of the event loop (after the current answer
   * is sent), for pull to take when it is asked for. Only a full page is kept: a shorter one
   * could still grow. A few are kept at once (several desktops pulling), each for READ_AHEAD_MS.
   */
  private readPageAhead(cursor: number, limit: number, collectionId?: string): void {
    if (this.closing) return
    const k = pageKey(cursor, limit, collectionId)
    if (this.readAhead.has(k)) return
    if (this.readAhead.size >= READ_AHEAD_PAGES) this.dropReadAhead(this.readAhead.keys().next().value!)
    const page = nextTurn()
      .then(() => (this.closing ? undefined : this.readPage(cursor, limit, collectionId)))
      // on failure pull reads the page itself, and says what went wrong then
      .then((p) => (p?.n === limit ? p : undefined), () => undefined)
    const timer = setTimeout(() => this.dropReadAhead(k), READ_AHEAD_MS)
    timer.unref()
    this.readAhead.set(k, { page, timer })
  }

  private dropReadAhead(k: string): void {
    const ahead = this.readAhead.get(k)
    if (ahead) clearTimeout(ahead.timer)
    this.readAhead.delete(k)
  }

  async conflicts(options: { collectionId?: string; includeResolved?: boolean }): Promise<Conflict[]> {
    const where: string[] = []
    const params: string[] = []
    if (options.collectionId) {
      where.push('collection_id = ?')
      params.push(options.collectionId)
    }
    if (!options.includeResolved) where.push('resolved_at IS NULL')
    const rows = await this.driver.queries.all<ConflictRow>(`SELECT * FROM conflicts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY detected_at, id LIMIT 1000`, params)
    return rows.map(toConflict)
  }

  async resolveConflict(id: string, resolution: string, by: string): Promise<Conflict> {
    return this.driver.transaction(async (tx) => {
      const row = await tx.get<ConflictRow>('SELECT * FROM conflicts WHERE id = ?', [id])
      if (!row) throw new KeywardError('CONFLICT_NOT_FOUND', 'There is no such conflict on this server.')
      if (!row.resolved_at) await tx.run('UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?', [this.now().toISOString(), by, resolution, id])
      return toConflict((await tx.get<ConflictRow>('SELECT * FROM conflicts WHERE id = ?', [id]))!)
    })
  }

  /** Published public keys of a collection's token signing keys (current, or retired with live tokens). */
  jwks(collectionId: string): { keys: Record<string, unknown>[] } {
    const now = this.now().getTime()
    const keys: { createdAt: string; jwk: Record<string, unknown> }[] = []
    for (const ent of this.state.values()) {
      if (ent.entity !== 'token_signing_keys' || ent.collectionId !== collectionId || !this.live(ent)) continue
      const jwk = this.val(ent, 'public_jwk')
      const notAfter = this.val(ent, 'not_after')
      if (typeof jwk !== 'string') continue
      if (typeof notAfter === 'string' && Date.parse(notAfter) <= now) continue
      try {
        keys.push({ createdAt: String(this.val(ent, 'created_at') ?? ''), jwk: JSON.parse(jwk) as Record<string, unknown> })
      } catch {
        continue
      }
    }
    return { keys: keys.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1)).map((k) => k.jwk) }
  }

  signingKeyByKid(kid: string): { collectionId: string; jwk: Record<string, unknown> } | undefined {
    const now = this.now().getTime()
    for (const ent of this.state.values()) {
      if (ent.entity !== 'token_signing_keys' || !this.live(ent) || this.val(ent, 'kid') !== kid) continue
      const notAfter = this.val(ent, 'not_after')
      if (typeof notAfter === 'string' && Date.parse(notAfter) <= now) return undefined
      const jwk = this.val(ent, 'public_jwk')
      return typeof jwk === 'string' ? { collectionId: ent.collectionId, jwk: JSON.parse(jwk) as Record<string, unknown> } : undefined
    }
    return undefined
  }

  /** Non-secret fields of an entity (the token record introspection checks). */
  fields(entity: SyncEntity, id: string): Map<string, SyncValue> | undefined {
    const ent = this.state.get(key(entity, id))
    if (!ent) return undefined
    return new Map([...ent.fields].map(([f, s]) => [f, s.value]))
  }

  collectionOf(entity: SyncEntity, id: string): string | undefined {
    return this.state.get(key(entity, id))?.collectionId
  }

  knowsCollection(collectionId: string): boolean {
    return this.collections.has(collectionId)
  }
}

function toConflict(r: ConflictRow): Conflict {
  return {
    id: r.id,
    collectionId: r.collection_id,
    entity: r.entity,
    entityId: r.entity_id,
    field: r.field,
    kind: r.kind,
    message: r.message,
    proposedValue: r.proposed_value === null ? null : (JSON.parse(r.proposed_value) as SyncValue),
    currentValue: r.current_value === null ? null : (JSON.parse(r.current_value) as SyncValue),
    hlc: r.hlc,
    opId: r.op_id,
    detectedAt: r.detected_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
  }
}
