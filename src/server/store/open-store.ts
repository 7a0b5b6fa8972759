import { mkdirSync } from 'node:fs'
import { loadMigrations } from '../../core/store/migrate'
import type { Logger } from '../../core/logger'
import { KeywardError } from '../../shared/errors'
import { loadServerKey, serverKeyCheck } from '../secrets/server-key'
import { migrationsDir } from './migrations-dir'
import { openPostgresDriver } from './postgres-driver'
import { createServerStore, type ServerStore } from './server-store'
import { openSqliteDriver } from './sqlite-driver'

export interface OpenedStore {
  store: ServerStore
  serverKey: Buffer
}

export interface OpenStoreOptions {
  dataDir: string
  database?: string
  serverKey?: Buffer
  migrationsDir?: string
  logger: Logger
  now: () => Date
}

/**
 * Opens the configured backend, applies pending migrations, and checks that the server key
 * is the one this database was started with (instances sharing a PostgreSQL must agree).
 */
export async function openServerStore(options: OpenStoreOptions): Promise<OpenedStore> {
  const dialect = options.database ? 'postgres' : 'sqlite'
  if (options.database && !/^postgres(ql)?:\/\//.test(options.database)) {
    throw new KeywardError('INVALID_INPUT', '--database takes a postgres:// or postgresql:// URL; leave it out for the embedded SQLite database.')
  }
  const migrations = loadMigrations(options.migrationsDir ?? migrationsDir(dialect))
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const serverKey = options.serverKey ?? loadServerKey(options.dataDir)
  const driver = options.database ? await openPostgresDriver(options.database, options.logger, migrations) : openSqliteDriver(options.dataDir, migrations)
  const store = createServerStore(driver, migrations, options.now)
  try {
    const check = serverKeyCheck(serverKey)
    if ((await store.initMeta('server_key_check', check)) !== check) {
      throw new KeywardError(
        'SERVER_KEY_MISMATCH',
        'This database was set up with a different server key. Give every instance the same key ($KEYWARD_SERVER_KEY or the original server.key).',
      )
    }
  } catch (error) {
    await store.close()
    throw error
  }
  return { store, serverKey }
}
