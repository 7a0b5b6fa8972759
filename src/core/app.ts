import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { EventName, EventPayload } from '../shared/contract'
import { KeywardError } from '../shared/errors'
import type { VaultStatus } from '../shared/model'
import { appendAudit } from './audit/audit-log'
import { createDispatcher, type CallContext, type Dispatch, type Handlers } from './dispatcher'
import type { CoreDeps } from './handlers/deps'
import { seedBuiltinApplications } from './applications/applications'
import { auditHandlers } from './handlers/audit-handlers'
import { catalogHandlers } from './handlers/catalog-handlers'
import { clientHandlers } from './handlers/client-handlers'
import { keyHandlers } from './handlers/key-handlers'
import type { BundleOptions } from './bundles/bundles'
import { bundleHandlers } from './handlers/bundle-handlers'
import { scanHandlers } from './handlers/scan-handlers'
import { installationHandlers } from './handlers/installation-handlers'
import { prefsHandlers } from './handlers/prefs-handlers'
import { sampleHandlers } from './handlers/sample-handlers'
import { tokenHandlers } from './handlers/token-handlers'
import { topologyHandlers } from './handlers/topology-handlers'
import { userHandlers } from './handlers/user-handlers'
import { syncHandlers } from './handlers/sync-handlers'
import { SyncClient, type SyncOptions } from './sync/sync-client'
import { vaultHandlers } from './handlers/vault-handlers'
import { KeyIndex } from './keys/key-index'
import { silentLogger, type Logger } from './logger'
import { confPreferences, type PreferencesStore } from './preferences'
import type { Session } from './session'
import { createHlc } from './store/hlc'
import { keytarKeychain, type Keychain } from './vault/keychain'
import { Vault } from './vault/vault'

export type LockReason = 'manual' | 'inactivity' | 'suspend' | 'quit'

export interface KeywardOptions {
  /** Where vault.json, keyward.db and preferences.json live. */
  dataDir: string
  keychain?: Keychain
  preferences?: PreferencesStore
  logger?: Logger
  /** The Electron build of the SQLite addon, when running inside Electron. */
  nativeBinding?: string
  migrationsDir?: string
  clock?: () => Date
  /** How often key usage (last used, count) is written from memory; default 5 s. */
  usageFlushMs?: number
  /** Integrator bundle settings (tests lower the scrypt work factor of passphrase bundles). */
  bundles?: BundleOptions
  /** The sync client: background interval, timeouts, batch sizes (tests shorten them). */
  sync?: SyncOptions
}

export interface Keyward {
  dispatch: Dispatch
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  /** Close the database and forget keys (OS suspend, screen lock, quit). */
  lock(reason?: LockReason): Promise<VaultStatus>
  close(): Promise<void>
  /**
   * The open session, for in-process tools only (CLI reports, benchmarks, tests); no
   * transport reaches it. Throws VAULT_LOCKED while the vault is closed.
   */
  session(): Session
  readonly dataDir: string
}

/** Builds the whole application core: vault, services, dispatcher, events, auto-lock. */
export function createKeyward(options: KeywardOptions): Keyward {
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? (() => new Date())
  // the verify hot path reads the time on every call; Date.now avoids a Date per call
  const nowMs = options.clock ? () => options.clock!().getTime() : Date.now
  const prefs = options.preferences ?? confPreferences(options.dataDir)
  const keychain = options.keychain ?? keytarKeychain()
  const vault = new Vault({
    dataDir: options.dataDir,
    keychain,
    nativeBinding: options.nativeBinding,
    migrationsDir: options.migrationsDir,
  })
  const emitter = new EventEmitter()
  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => emitter.emit(event, payload)
  let session: Session | undefined
  let idleTimer: NodeJS.Timeout | undefined

  const status = async (): Promise<VaultStatus> => ({
    state: vault.state,
    keychain: await vault.keychainStatus(),
    autoLockMinutes: prefs.get().autoLockMinutes,
  })

  const announce = async () => {
    const s = await status()
    emit('vault.changed', s)
    return s
  }

  const startSession = (): Session => {
    const open = vault.current
    const db = open.db
    let installationId = (db.prepare(`SELECT value FROM meta WHERE key = 'installation_id'`).get() as { value: string } | undefined)?.value
    if (!installationId) {
      installationId = randomUUID()
      db.prepare(`INSERT INTO meta (key, value) VALUES ('installation_id', ?)`).run(installationId)
    }
    const s: Session = {
      db,
      sealKey: open.sealKey,
      hlc: createHlc(installationId.replace(/-/g, '').slice(0, 16)),
      installationId,
      now: clock,
      emit,
      keyIndex: new KeyIndex(db, nowMs, { usageFlushMs: options.usageFlushMs }),
    }
    seedBuiltinApplications(s)
    s.keyIndex.load()
    return s
  }

  /** Pending key usage is written before the database closes. */
  const endSession = () => {
    try {
      session?.keyIndex.close()
    } catch (error) {
      logger.warn({ error: error instanceof Error ? error.name : typeof error }, 'could not write key usage before closing')
    }
    session = undefined
  }

  const armIdleTimer = () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    const minutes = prefs.get().autoLockMinutes
    if (!session || minutes <= 0) return
    idleTimer = setTimeout(() => {
      logger.info({ minutes }, 'locking after inactivity')
      void lock('inactivity')
    }, minutes * 60_000)
    idleTimer.unref()
  }

  const lock = async (reason: LockReason = 'manual', actor = 'system') => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    await sync.stop()
    if (session) {
      try {
        appendAudit(session, { actor, action: 'vault.lock', entity: 'vault', details: { reason } })
      } catch (error) {
        // locking must never fail: the key leaves memory whatever happens to the log line
        logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'could not audit the lock')
      }
    }
    endSession()
    vault.lock()
    return announce()
  }

  const sync = new SyncClient(() => deps.session(), keychain, logger, options.sync)

  const deps: CoreDeps = {
    vault,
    prefs,
    session: () => {
      if (session) return session
      // Reading the vault's handle throws the precise "locked" / "not initialized" error.
      void vault.current
      throw new KeywardError('VAULT_LOCKED', 'The vault is locked; unlock it first.')
    },
    status,
    opened: async () => {
      session ??= startSession()
      if (sync.configured()) sync.scheduler.start()
      armIdleTimer()
      return announce()
    },
    changed: announce,
    lock,
  }

  const handlers: Handlers = {
    ...vaultHandlers(deps),
    ...prefsHandlers(deps),
    ...topologyHandlers(deps),
    ...auditHandlers(deps),
    ...clientHandlers(deps),
    ...catalogHandlers(deps),
    ...keyHandlers(deps),
    ...userHandlers(deps),
    ...tokenHandlers(deps),
    ...installationHandlers(deps),
    ...bundleHandlers(deps, options.bundles),
    ...scanHandlers(deps),
    ...sampleHandlers(deps, () => dispatch),
    ...syncHandlers(sync),
  }

  const dispatch: Dispatch = createDispatcher(handlers, {
    logger,
    requireUnlocked: () => void deps.session(),
    afterCall: (method) => {
      if (method !== 'vault.status') armIdleTimer()
    },
  })

  return {
    dispatch: (method: string, input: unknown, ctx: CallContext) => dispatch(method, input, ctx),
    on(event, listener) {
      emitter.on(event, listener as (p: unknown) => void)
      return () => emitter.off(event, listener as (p: unknown) => void)
    },
    lock,
    session: () => deps.session(),
    async close() {
      await lock('quit')
      emitter.removeAllListeners()
    },
    dataDir: options.dataDir,
  }
}
