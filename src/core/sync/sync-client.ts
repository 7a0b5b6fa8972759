import { setImmediate as nextTurn } from 'node:timers/promises'
import { randomBytes } from 'node:crypto'
import type { SyncPreview, SyncProgress, SyncStatus, SyncSummary } from '../../shared/contract/sync'
import { KeywardError, isKeywardError } from '../../shared/errors'
import { Conflict, ORGANISATION_SCOPE, SERVER_NODE, ORGANISATION_VERIFIER, type Organisation, type SyncEntity } from '../../shared/sync'
import { appendAudit } from '../audit/audit-log'
import { assertSlotFree } from '../keys/keys'
import type { Logger } from '../logger'
import type { Session } from '../session'
import { prepared } from '../store/statements'
import type { Keychain } from '../vault/keychain'
import type { CodecKeys } from './codec'
import { applyPulled } from './inbox'
import { acknowledge, nextBatch, pendingByScope, requeueAll } from './outbox'
import { previewScope } from './preview'
import { Remote } from './remote'
import { SyncScheduler } from './scheduler'
import { TABLES } from './tables'
import { deleteSettings, forgetToken, loadToken, readSettings, requireSettings, saveSettings, storeToken, syncKeyOf, tokenStorage } from './settings'
import { deriveSyncKey, openFromSync, sealForSync } from './sync-key'

export interface SyncOptions {
  /** Background sync interval; 0 turns the scheduler off. Default 60 s. */
  intervalMs?: number
  /** Longest wait between background attempts while the server is unreachable. Default 15 min. */
  maxBackoffMs?: number
  /** Per-request timeout. Default 15 s. */
  requestTimeoutMs?: number
  /** Operations per push request (the server takes up to 1 000). */
  pushBatch?: number
  /** Changes per pulled page (the server gives up to 5 000). */
  pullPage?: number
  /** scrypt work factor (log2 N) a new organisation is created with; 17 unless lowered (tests). */
  organisationCost?: number
}

/** Which data.changed domain each synced entity belongs to (the names the UI listens for). */
const DOMAIN: Record<SyncEntity, string> = {
  regions: 'regions',
  servers: 'servers',
  collections: 'collections',
  clients: 'clients',
  licences: 'licences',
  applications: 'applications',
  key_groups: 'keyGroups',
  api_keys: 'keys',
  service_users: 'users',
  token_signing_keys: 'tokens',
  tokens: 'tokens',
}

const IDLE: SyncProgress = { phase: 'idle', collectionId: null, done: 0, total: null }

interface ConfigureInput {
  serverUrl: string
  username: string
  password: string
  totp?: string
  deviceName: string
  organisationPassphrase: string
}

interface RunInput {
  collectionId?: string
  confirmInitial: boolean
}

interface StateRow {
  collection_id: string
  cursor: number
  last_sync_at: string | null
  initial_done: number
}

/**
 * The desktop's sync client (DESIGN §6): configuration, the push/pull cycle, the dry-run
 * preview, conflicts and the background scheduler. One per core; it holds no secret itself
 * (the token is read from the keychain and the sync key from the store for each run).
 */
export class SyncClient {
  private progress: SyncProgress = IDLE
  private lastRun: SyncSummary | null = null
  private online: boolean | null = null
  private running: Promise<SyncSummary> | undefined
  /**
   * While a run pushes and pulls: the outbox counts per scope when its push began, less what
   * the server has answered since. status() answers from it instead of counting the outbox,
   * a full scan (about a second for the 1.2 million changes a large vault's first sync
   * queues) that the UI would otherwise make every second of the run, on the thread the run
   * needs. Edits made during the run are counted again once it ends.
   */
  private runPending: Map<string, number> | undefined
  private abort: AbortController | undefined
  readonly scheduler: SyncScheduler

  constructor(
    private readonly session: () => Session,
    private readonly keychain: Keychain,
    private readonly logger: Logger,
    private readonly options: SyncOptions = {},
  ) {
    this.scheduler = new SyncScheduler(
      async () => {
        const summary = await this.run({ confirmInitial: false }, 'system', true)
        return summary.error === null
      },
      { intervalMs: options.intervalMs ?? 60_000, maxBackoffMs: options.maxBackoffMs ?? 15 * 60_000 },
    )
  }

  private remote(url: string): Remote {
    return new Remote(url, this.options.requestTimeoutMs ?? 15_000)
  }

  private setProgress(s: Session, progress: SyncProgress): void {
    this.progress = progress
    s.emit('sync.progress', progress)
  }

  private states(s: Session): Map<string, StateRow> {
    return new Map((prepared(s.db, 'SELECT * FROM sync_state').all() as StateRow[]).map((r) => [r.collection_id, r]))
  }

  /** A scope named by the caller: the organisation scope, a collection here, or one synced before. */
  private requireScope(s: Session, id: string): void {
    if (id === ORGANISATION_SCOPE || prepared(s.db, 'SELECT 1 FROM collections WHERE id = ?').get(id) || this.states(s).has(id)) return
    throw new KeywardError('COLLECTION_NOT_FOUND', `No collection with id ${id} exists on this desktop; sync everything once to receive the collections of the server.`)
  }

  /** The scopes a run covers: the organisation first, then every collection this desktop knows. */
  private scopes(s: Session, only?: string): string[] {
    if (only) return only === ORGANISATION_SCOPE ? [ORGANISATION_SCOPE] : [ORGANISATION_SCOPE, only]
    const local = (prepared(s.db, 'SELECT id FROM collections ORDER BY created_at, id').all() as { id: string }[]).map((r) => r.id)
    const known = [...this.states(s).keys()].filter((id) => id !== ORGANISATION_SCOPE)
    return [ORGANISATION_SCOPE, ...new Set([...local, ...known])]
  }

  /** Whether this vault has sync settings (false while locked). */
  configured(): boolean {
    try {
      return !!readSettings(this.session())
    } catch {
      return false
    }
  }

  status(): SyncStatus {
    const s = this.session()
    const settings = readSettings(s)
    const pending = this.runPending ?? pendingByScope(s)
    const states = this.states(s)
    const collections = settings
      ? this.scopes(s).map((id) => {
          const st = states.get(id)
          return { collectionId: id, lastSyncAt: st?.last_sync_at ?? null, initialDone: st?.initial_done === 1, pending: pending.get(id) ?? 0 }
        })
      : []
    const open = (prepared(s.db, 'SELECT COUNT(*) AS n FROM sync_conflicts WHERE resolved_at IS NULL').get() as { n: number }).n
    return {
      configured: !!settings,
      serverUrl: settings?.serverUrl ?? null,
      username: settings?.username ?? null,
      deviceName: settings?.deviceName ?? null,
      deviceId: settings?.deviceId ?? null,
      tokenStorage: tokenStorage(s),
      pending: [...pending.values()].reduce((a, b) => a + b, 0),
      openConflicts: open,
      online: this.online,
      running: !!this.running,
      progress: this.progress,
      lastRun: this.lastRun,
      collections,
    }
  }

  async configure(input: ConfigureInput, actor: string): Promise<SyncStatus> {
    const s = this.session()
    if (readSettings(s)) throw new KeywardError('SYNC_ALREADY_CONFIGURED', 'This desktop already syncs with a server; disconnect it first to configure another.')
    const serverUrl = input.serverUrl.replace(/\/+$/, '')
    const remote = this.remote(serverUrl)
    const login = await remote.call('auth.login', { body: { username: input.username, password: input.password, totp: input.totp, deviceName: input.deviceName } })
    const token = login.token
    try {
      const organisation = await this.organisation(remote, token, input.organisationPassphrase)
      const s2 = this.session()
      const storage = await storeToken(s2, this.keychain, token)
      s2.db.transaction(() => {
        saveSettings(
          s2,
          { serverUrl, username: input.username, deviceId: login.device.id, deviceName: login.device.name, salt: organisation.salt, configuredAt: s2.now().toISOString() },
          organisation.key,
          storage === 'vault' ? token : null,
        )
        // a desktop that has not synced with this server yet offers it everything it holds
        if ((prepared(s2.db, 'SELECT COUNT(*) AS n FROM sync_state').get() as { n: number }).n === 0) requeueAll(s2)
        appendAudit(s2, {
          actor,
          action: 'sync.configure',
          entity: 'sync',
          entityId: login.device.id,
          details: { server: remote.origin, username: input.username, deviceName: login.device.name, tokenStorage: storage, organisation: organisation.created ? 'created' : 'joined' },
        })
      })()
    } catch (error) {
      // the device registered above is of no use: revoke it, best effort
      await remote.call('auth.logout', { token, body: {} }).catch(() => undefined)
      throw error
    }
    this.online = true
    this.scheduler.start()
    s.emit('data.changed', { domain: 'sync' })
    return this.status()
  }

  /**
   * The organisation's sync key: derived from the salt on the server and checked against its
   * verifier, so a wrong passphrase is refused before anything is sent. The first desktop
   * creates salt and verifier; if another desktop raced it, the stored ones win.
   */
  private async organisation(remote: Remote, token: string, passphrase: string): Promise<{ key: Buffer; salt: string; created: boolean }> {
    const existing = await remote.call('organisation.get', { token }).catch((error: unknown) => {
      if (isKeywardError(error) && error.code === 'ORGANISATION_NOT_SET') return undefined
      throw error
    })
    const check = (org: Organisation) => {
      const key = deriveSyncKey(passphrase, Buffer.from(org.salt, 'base64url'), { N: 2 ** org.cost, r: 8, p: 1, maxmem: 256 * 1024 * 1024 })
      const v = ORGANISATION_VERIFIER
      try {
        if (openFromSync(key, org.verifier, v.entity, v.id, v.field).toString('utf8') === v.plaintext) return key
      } catch {
        // falls through to the mismatch below
      }
      throw new KeywardError('SYNC_PASSPHRASE_MISMATCH', 'This organisation passphrase is not the one the other desktops of this server use; nothing was sent.')
    }
    if (existing) return { key: check(existing), salt: existing.salt, created: false }
    const cost = this.options.organisationCost ?? 17
    const salt = randomBytes(16).toString('base64url')
    const key = deriveSyncKey(passphrase, Buffer.from(salt, 'base64url'), { N: 2 ** cost, r: 8, p: 1, maxmem: 256 * 1024 * 1024 })
    const v = ORGANISATION_VERIFIER
    const verifier = sealForSync(key, Buffer.from(v.plaintext), v.entity, v.id, v.field)
    const stored = await remote.call('organisation.set', { token, body: { salt, cost, verifier } })
    if (stored.salt === salt) return { key, salt, created: true }
    return { key: check(stored), salt: stored.salt, created: false }
  }

  async disconnect(actor: string): Promise<SyncStatus> {
    const s = this.session()
    const settings = requireSettings(s)
    await this.stop()
    let revoked = false
    try {
      const token = await loadToken(s, this.keychain)
      await this.remote(settings.serverUrl).call('auth.logout', { token, body: {} })
      revoked = true
    } catch (error) {
      this.logger.info({ code: isKeywardError(error) ? error.code : 'INTERNAL' }, 'could not revoke the device on the server; forgetting it here')
    }
    const s2 = this.session()
    await forgetToken(s2, this.keychain)
    s2.db.transaction(() => {
      deleteSettings(s2)
      // another server (or this one again) starts from a fresh preview; the outbox stays
      prepared(s2.db, 'DELETE FROM sync_state').run()
      prepared(s2.db, 'DELETE FROM sync_inbox').run()
      prepared(s2.db, 'DELETE FROM sync_conflicts').run()
      appendAudit(s2, { actor, action: 'sync.disconnect', entity: 'sync', entityId: settings.deviceId, details: { server: new Remote(settings.serverUrl).origin, revokedOnServer: revoked } })
    })()
    this.online = null
    this.lastRun = null
    this.progress = IDLE
    s2.emit('data.changed', { domain: 'sync' })
    return this.status()
  }

  async preview(collectionId: string, limit: number): Promise<SyncPreview> {
    const s = this.session()
    const settings = requireSettings(s)
    // no local check of the id: a new desktop previews collections it has not received yet
    const token = await loadToken(s, this.keychain)
    const cursor = this.states(s).get(collectionId)?.cursor ?? 0
    return previewScope(s, this.remote(settings.serverUrl), token, collectionId, cursor, limit, this.options.pullPage ?? 1000)
  }

  /** Runs one sync; a second caller while one runs gets SYNC_IN_PROGRESS. */
  async run(input: RunInput, actor: string, background = false): Promise<SyncSummary> {
    if (this.running) {
      if (background) return this.running
      throw new KeywardError('SYNC_IN_PROGRESS', 'A sync is already running; wait for it to finish.')
    }
    const s = this.session()
    const settings = requireSettings(s)
    if (input.collectionId) this.requireScope(s, input.collectionId)
    const states = this.states(s)
    const scopes = this.scopes(s, input.collectionId)
    // a first sync needs a preview for the organisation scope and for collections that came
    // from the server; a collection made here after that has nothing to receive yet
    const organisationDone = states.get(ORGANISATION_SCOPE)?.initial_done === 1
    const first = scopes.filter((id) => (!organisationDone || id === ORGANISATION_SCOPE || states.has(id)) && states.get(id)?.initial_done !== 1)
    if (first.length > 0 && !input.confirmInitial && !background) {
      throw new KeywardError(
        'SYNC_PREVIEW_REQUIRED',
        `${first.length === 1 ? 'One collection has' : `${first.length} collections have`} never synced with this server: review the preview (sync.preview) and confirm the first sync.`,
      )
    }
    const allowed = input.confirmInitial ? scopes : scopes.filter((id) => !first.includes(id))
    // the scheduler never makes a first sync; until someone confirms one it has nothing to do
    if (background && !allowed.includes(ORGANISATION_SCOPE)) return this.idleSummary(s, 'SYNC_PREVIEW_REQUIRED')
    this.abort = new AbortController()
    const started = this.cycle(settings.serverUrl, allowed, input, actor, this.abort.signal, background)
    this.running = started
    try {
      return await started
    } finally {
      this.running = undefined
      this.runPending = undefined
      this.abort = undefined
    }
  }

  private idleSummary(s: Session, code: 'SYNC_PREVIEW_REQUIRED'): SyncSummary {
    const at = s.now().toISOString()
    return { startedAt: at, finishedAt: at, pushed: 0, pulled: 0, stale: 0, conflicts: 0, collections: [], error: { code, message: 'The first sync has not been confirmed yet.' } }
  }

  private async cycle(serverUrl: string, scopes: string[], input: RunInput, actor: string, signal: AbortSignal, background: boolean): Promise<SyncSummary> {
    const startedAt = this.session().now().toISOString()
    const summary: SyncSummary = { startedAt, finishedAt: startedAt, pushed: 0, pulled: 0, stale: 0, conflicts: 0, collections: [], error: null }
    const remote = this.remote(serverUrl)
    const domains = new Set<string>()
    try {
      let s = this.session()
      this.setProgress(s, { phase: 'connecting', collectionId: null, done: 0, total: null })
      const token = await loadToken(s, this.keychain)
      const keys: CodecKeys = { sealKey: s.sealKey, syncKey: syncKeyOf(s) }
      if (scopes.length === 0) throw new KeywardError('SYNC_PREVIEW_REQUIRED', 'Nothing has been confirmed for syncing yet: preview and confirm the first sync.')
      await this.push(remote, token, keys, scopes, summary, signal)
      // the organisation scope first: it brings the topology new collections hang from
      const confirmed = new Set(scopes)
      let corrected = false
      const done = new Set<string>()
      for (;;) {
        s = this.session()
        const next = (input.collectionId ? scopes : this.scopes(s).filter((id) => confirmed.has(id) || (input.confirmInitial && !done.has(id)))).find((id) => !done.has(id))
        if (!next) break
        done.add(next)
        const pulled = await this.pull(remote, token, keys, next, domains, signal)
        summary.pulled += pulled.applied
        corrected ||= pulled.corrected
        summary.collections.push(next)
      }
      // a conflict always comes with the server's correction (a server-stamped change), so the
      // list is fetched only when one was pulled, when our push raised one, or while some are open
      const open = (prepared(this.session().db, 'SELECT COUNT(*) AS n FROM sync_conflicts WHERE resolved_at IS NULL').get() as { n: number }).n
      if (corrected || summary.conflicts > 0 || open > 0) await this.fetchConflicts(remote, token, signal)
      this.online = true
    } catch (error) {
      if (!isKeywardError(error)) throw error
      this.online = error.code === 'SYNC_UNREACHABLE' ? false : this.online
      summary.error = error.toPayload()
    }
    const s = this.session()
    summary.finishedAt = s.now().toISOString()
    this.lastRun = summary
    // the outbox is counted again from here on: the events below make the UI ask
    this.runPending = undefined
    const finished = prepared(
      s.db,
      `INSERT INTO sync_state (collection_id, last_sync_at, initial_done) VALUES (?, ?, 1)
       ON CONFLICT (collection_id) DO UPDATE SET last_sync_at = excluded.last_sync_at, initial_done = 1`,
    )
    s.db.transaction(() => {
      // a scope counts as synced once it was pushed and pulled to the end, even if a later one failed
      for (const id of summary.collections) finished.run(id, summary.finishedAt)
      // every run someone started; background runs when they moved something or failed for another reason than the network
      const quiet = background && summary.pushed + summary.pulled + summary.conflicts === 0 && (!summary.error || summary.error.code === 'SYNC_UNREACHABLE')
      if (!quiet)
        appendAudit(s, {
          actor,
          action: 'sync.run',
          entity: 'sync',
          details: { pushed: summary.pushed, pulled: summary.pulled, stale: summary.stale, conflicts: summary.conflicts, collections: summary.collections.length, error: summary.error?.code ?? null, background },
        })
    })()
    this.setProgress(s, { phase: summary.error ? 'failed' : 'done', collectionId: null, done: summary.pushed + summary.pulled, total: summary.pushed + summary.pulled })
    for (const domain of domains) s.emit('data.changed', { domain })
    s.emit('data.changed', { domain: 'sync' })
    return summary
  }

  private async push(remote: Remote, token: string, keys: CodecKeys, scopes: string[], summary: SyncSummary, signal: AbortSignal): Promise<void> {
    const batch = this.options.pushBatch ?? 500
    let s = this.session()
    const pending = pendingByScope(s)
    this.runPending = pending
    const total = scopes.reduce((n, id) => n + (pending.get(id) ?? 0), 0)
    if (total === 0) return
    this.setProgress(s, { phase: 'pushing', collectionId: null, done: 0, total })
    // Answered op ids are forgotten a few batches at a time (one commit, not one per batch):
    // an answer lost to a crash only means a resend, which the server answers from its record.
    let answered: string[] = []
    const flush = () => {
      if (answered.length) acknowledge(this.session(), answered)
      answered = []
    }
    try {
      let next = nextBatch(s, keys, scopes, batch, 0)
      for (let round = 1; ; round++) {
        s = this.session()
        const { ops, lastSeq, gone } = next
        if (ops.length === 0 && gone.length === 0) return
        // the server answers only for ops it did not apply (stale, conflict); every op of the batch is answered
        const sending = ops.length ? remote.call('sync.push', { token, body: { ops, answer: 'exceptions' }, signal }) : Promise.resolve({ outcomes: [] })
        // While the server works on this batch, the next one is read and sealed; it goes out only
        // once this one is answered, so the server still applies batches in outbox order (a
        // licence rule can depend on it). One turn of the event loop first puts the request on
        // the wire (reading the outbox holds the thread). The request may fail meanwhile: its
        // failure is marked handled here and thrown by the await below. A failure while reading
        // waits for the request in flight first.
        sending.catch(() => undefined)
        try {
          await nextTurn()
          next = nextBatch(this.session(), keys, scopes, batch, lastSeq)
        } catch (error) {
          await sending.catch(() => undefined)
          throw error
        }
        const answer = await sending
        answered.push(...gone.map((g) => g.opId), ...ops.map((o) => o.opId))
        for (const { collectionId } of [...gone, ...ops]) pending.set(collectionId, Math.max(0, (pending.get(collectionId) ?? 0) - 1))
        if (round % 8 === 0) flush()
        summary.pushed += ops.length
        for (const o of answer.outcomes) {
          if (o.status === 'stale') summary.stale += 1
          if (o.status === 'conflict') summary.conflicts += 1
        }
        this.setProgress(this.session(), { phase: 'pushing', collectionId: null, done: summary.pushed, total })
      }
    } finally {
      flush()
    }
  }

  /** Pulls and applies one scope's changes after its cursor: the fields applied, and whether the server corrected anything. */
  private async pull(remote: Remote, token: string, keys: CodecKeys, scope: string, domains: Set<string>, signal: AbortSignal): Promise<{ applied: number; corrected: boolean }> {
    let s = this.session()
    const from = this.states(s).get(scope)?.cursor ?? 0
    let pulled = 0
    let corrected = false
    this.setProgress(s, { phase: 'pulling', collectionId: scope, done: 0, total: null })
    const fetchPage = (after: number) => remote.call('sync.pull', { token, query: { cursor: after, limit: this.options.pullPage ?? 1000, collectionId: scope }, signal })
    let fetching = fetchPage(from)
    for (;;) {
      const page = await fetching
      if (page.changes.length === 0) break
      if (page.more) {
        // The next page is asked for before this one is applied, so the server reads it while
        // this desktop writes; it is applied only after this one committed, and a failure of
        // either fails the run with this page's cursor kept. One turn of the event loop first
        // puts the request on the wire: the apply below is synchronous.
        fetching = fetchPage(page.next)
        fetching.catch(() => undefined) // awaited on the next turn, or dropped if this page fails
        await nextTurn()
      }
      corrected ||= page.changes.some((c) => c.hlc.endsWith(`-${SERVER_NODE}`))
      s = this.session()
      this.setProgress(s, { phase: 'applying', collectionId: scope, done: pulled, total: null })
      // the page, what it changed and the cursor after it commit together, or none of them
      const placed = s.db.transaction(() => {
        prepared(s.db, 'INSERT INTO sync_applying (id) VALUES (1)').run()
        try {
          const result = applyPulled(s, keys, page.changes, this.logger)
          prepared(s.db, 'INSERT INTO sync_state (collection_id, cursor) VALUES (?, ?) ON CONFLICT (collection_id) DO UPDATE SET cursor = excluded.cursor').run(scope, page.next)
          // a collection that came from the server waits for its previewed first sync
          for (const id of result.newCollections) prepared(s.db, 'INSERT INTO sync_state (collection_id) VALUES (?) ON CONFLICT (collection_id) DO NOTHING').run(id)
          return result
        } finally {
          prepared(s.db, 'DELETE FROM sync_applying').run()
        }
      })()
      pulled += placed.applied
      const keyIds = placed.touched.get('api_keys')
      if (keyIds) s.keyIndex.refreshKeys(keyIds)
      const licenceIds = placed.touched.get('licences')
      if (licenceIds) s.keyIndex.refreshLicences(licenceIds)
      for (const entity of placed.touched.keys()) domains.add(DOMAIN[entity])
      this.setProgress(s, { phase: 'pulling', collectionId: scope, done: pulled, total: null })
      if (!page.more) break
    }
    return { applied: pulled, corrected }
  }

  /** Keeps a local copy of the server's conflicts, so they can be listed offline. */
  private async fetchConflicts(remote: Remote, token: string, signal?: AbortSignal): Promise<void> {
    const { conflicts } = await remote.call('sync.conflicts', { token, query: { includeResolved: 'true' }, signal })
    const s = this.session()
    const known = new Map((prepared(s.db, 'SELECT id, body FROM sync_conflicts').all() as { id: string; body: string }[]).map((r) => [r.id, r.body]))
    const fresh = conflicts.filter((c) => known.get(c.id) !== JSON.stringify(c))
    if (fresh.length === 0) return
    const put = prepared(
      s.db,
      `INSERT INTO sync_conflicts (id, collection_id, detected_at, resolved_at, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET resolved_at = excluded.resolved_at, body = excluded.body`,
    )
    s.db.transaction(() => {
      for (const c of fresh) put.run(c.id, c.collectionId, c.detectedAt, c.resolvedAt, JSON.stringify(c))
    })()
  }

  conflicts(collectionId: string | undefined, includeResolved: boolean): { conflicts: Conflict[] } {
    const s = this.session()
    const rows = prepared(
      s.db,
      `SELECT body FROM sync_conflicts WHERE (@collectionId IS NULL OR collection_id = @collectionId) AND (@all = 1 OR resolved_at IS NULL) ORDER BY detected_at, id`,
    ).all({ collectionId: collectionId ?? null, all: includeResolved ? 1 : 0 }) as { body: string }[]
    return { conflicts: rows.map((r) => Conflict.parse(JSON.parse(r.body))) }
  }

  async resolveConflict(id: string, resolution: 'keep_server' | 'reapply', actor: string): Promise<Conflict> {
    const s = this.session()
    const settings = requireSettings(s)
    const row = prepared(s.db, 'SELECT body FROM sync_conflicts WHERE id = ?').get(id) as { body: string } | undefined
    if (!row) throw new KeywardError('CONFLICT_NOT_FOUND', 'There is no such sync conflict on this desktop; run a sync to fetch the latest ones.')
    const conflict = Conflict.parse(JSON.parse(row.body))
    // refused here (a local rule, a field that cannot be set from here) before the server
    // records the resolution, so the two never disagree
    if (resolution === 'reapply' && conflict.field) dryRun(s, () => reapply(s, conflict))
    const token = await loadToken(s, this.keychain)
    const resolved = await this.remote(settings.serverUrl).call('sync.resolveConflict', { token, params: { id }, body: { resolution: resolution === 'keep_server' ? 'kept_server' : 'reapplied' } })
    const s2 = this.session()
    s2.db.transaction(() => {
      prepared(s2.db, 'UPDATE sync_conflicts SET resolved_at = ?, body = ? WHERE id = ?').run(resolved.resolvedAt, JSON.stringify(resolved), id)
      if (resolution === 'reapply' && conflict.field) reapply(s2, conflict)
      appendAudit(s2, { actor, action: 'sync.resolveConflict', entity: conflict.entity, entityId: conflict.entityId, details: { conflict: id, kind: conflict.kind, resolution, field: conflict.field } })
    })()
    if (conflict.entity === 'api_keys') s2.keyIndex.refreshKeys([conflict.entityId])
    if (conflict.entity === 'licences') s2.keyIndex.refreshLicences([conflict.entityId])
    s2.emit('data.changed', { domain: 'sync' })
    return resolved
  }

  /** Stops the scheduler and any running sync (lock, close); waits for the run to end. */
  async stop(): Promise<void> {
    this.scheduler.stop()
    this.abort?.abort()
    await this.running?.catch(() => undefined)
  }
}

/**
 * Puts our refused value back with a fresh stamp (through the table, so the outbox trigger
 * queues it): for after the admin fixed the cause (released a licence, revoked the other key).
 */
function reapply(s: Session, conflict: Conflict): void {
  const entity = conflict.entity as SyncEntity
  const t = TABLES.find((x) => x.entity === entity)
  const f = t?.fields.find((x) => x.field === conflict.field)
  if (!t || !f || f.codec !== 'plain' || Array.isArray(conflict.proposedValue)) {
    throw new KeywardError('INVALID_INPUT', `A conflict on ${conflict.entity}.${conflict.field ?? ''} cannot be reapplied from here; change the value in its screen instead.`)
  }
  const value = typeof conflict.proposedValue === 'boolean' ? (conflict.proposedValue ? 1 : 0) : conflict.proposedValue
  if (entity === 'api_keys' && f.column === 'status' && value === 'active') {
    const key = prepared(s.db, 'SELECT licence_id, application_id FROM api_keys WHERE id = ?').get(conflict.entityId) as { licence_id: string; application_id: string } | undefined
    try {
      if (key) assertSlotFree(s, key.licence_id, key.application_id, conflict.entityId)
    } catch (error) {
      if (!isKeywardError(error)) throw error
      throw new KeywardError(error.code, `${error.message} If it was switched off on another desktop, sync first to receive that, then apply yours again.`)
    }
  }
  prepared(s.db, `UPDATE ${t.table} SET ${f.column} = ?, updated_at = ? WHERE id = ?`).run(value, s.hlc.now(), conflict.entityId)
}

const DRY_RUN = Symbol('dry run')

/** Runs `change` in a transaction that is always rolled back: throws what it would throw, changes nothing. */
function dryRun(s: Session, change: () => void): void {
  try {
    s.db.transaction(() => {
      change()
      throw DRY_RUN
    })()
  } catch (error) {
    if (error !== DRY_RUN) throw error
  }
}
