import { EventEmitter } from 'node:events'
import { randomUUID } from 'node:crypto'
import type { EventName, EventPayload } from '../shared/contract'
import { KeywardError } from '../shared/errors'
import type { VaultStatus } from '../shared/model'
import { createDispatcher, type CallContext, type Dispatch, type Handlers } from './dispatcher'
import type { CoreDeps } from './handlers/deps'
import { auditHandlers } from './handlers/audit-handlers'
import type { BundleOptions } from './bundles/bundles'
import { bundleHandlers } from './handlers/bundle-handlers'
import { installationHandlers } from './handlers/installation-handlers'
import { prefsHandlers } from './handlers/prefs-handlers'
import { topologyHandlers } from './handlers/topology-handlers'
import { vaultHandlers } from './handlers/vault-handlers'
import { silentLogger, type Logger } from './logger'
import { confPreferences, type PreferencesStore } from './preferences'
import type { Session } from './session'
import { createHlc } from './store/hlc'
import { keytarKeychain, type Keychain } from './vault/keychain'
import { Vault } from './vault/vault'

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
  /** Integrator bundle settings (tests lower the scrypt work factor of passphrase bundles). */
  bundles?: BundleOptions
}

export interface Keyward {
  dispatch: Dispatch
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  /** Close the database and forget keys (OS suspend, quit). */
  lock(): Promise<VaultStatus>
  close(): Promise<void>
  readonly dataDir: string
}

/** Builds the whole application core: vault, services, dispatcher, events, auto-lock. */
export function createKeyward(options: KeywardOptions): Keyward {
  const logger = options.logger ?? silentLogger
  const clock = options.clock ?? (() => new Date())
  const prefs = options.preferences ?? confPreferences(options.dataDir)
  const vault = new Vault({
    dataDir: options.dataDir,
    keychain: options.keychain ?? keytarKeychain(),
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
    return { db, sealKey: open.sealKey, hlc: createHlc(installationId.replace(/-/g, '').slice(0, 16)), installationId, now: clock, emit }
  }

  const armIdleTimer = () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    const minutes = prefs.get().autoLockMinutes
    if (!session || minutes <= 0) return
    idleTimer = setTimeout(() => {
      logger.info({ minutes }, 'locking after inactivity')
      void lock()
    }, minutes * 60_000)
    idleTimer.unref()
  }

  const lock = async () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = undefined
    session = undefined
    vault.lock()
    return announce()
  }

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
    ...installationHandlers(deps),
    ...bundleHandlers(deps, options.bundles),
  }

  const dispatch = createDispatcher(handlers, {
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
    async close() {
      if (idleTimer) clearTimeout(idleTimer)
      session = undefined
      vault.lock()
      emitter.removeAllListeners()
    },
    dataDir: options.dataDir,
  }
}
