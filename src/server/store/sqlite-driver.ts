import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { loadMigrations, migrate, type AppliedMigration, type Migration } from '../../core/store/migrate'
import type { SqlDriver, SqlQueries, SqlTx, SqlValue } from './sql-driver'
import { migrationsDir } from './migrations-dir'

export const SQLITE_FILE = 'server.db'

/**
 * The embedded backend: one plain SQLite file in the data directory (the server holds
 * digests and ciphertext only, so whole-file encryption would protect nothing the OS
 * permissions don't). One connection; a queue runs one unit of work at a time, so an async
 * transaction never interleaves with another request's statements on the same connection.
 */
export function openSqliteDriver(dataDir: string, migrations: Migration[] = loadMigrations(migrationsDir('sqlite'))): SqlDriver {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const db = new Database(join(dataDir, SQLITE_FILE))
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // Sync keys its indexes by random ids (op ids, entity ids), so a push batch dirties pages
    // all over them: a page cache that holds them (64 MiB) and checkpoints every 64 MiB of WAL
    // instead of every 4 MiB write each page far fewer times. The WAL is cut back to 64 MiB after.
    db.pragma('cache_size = -65536')
    db.pragma('wal_autocheckpoint = 16384')
    db.pragma('journal_size_limit = 67108864')
    // A multi-row INSERT inside a transaction keeps a statement journal (the pages it changed,
    // to undo just that statement on a constraint error). In a temp file that is a write
    // syscall per page, about a tenth of a push's CPU; in memory it is a copy. It is never
    // read after a crash (the WAL is), so durability is the same.
    db.pragma('temp_store = MEMORY')
    migrate(db, migrations)
  } catch (error) {
    db.close()
    throw error
  }

  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work)
    queue = next.catch(() => undefined)
    return next
  }

  // Prepared once per SQL text: the sync engine runs the same few statements many times.
  const statements = new Map<string, Database.Statement>()
  const prepare = (sql: string) => {
    let statement = statements.get(sql)
    if (!statement) {
      statement = db.prepare(sql)
      if (statements.size < 500) statements.set(sql, statement)
    }
    return statement
  }
  const direct: SqlQueries = {
    all: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: SqlValue[] = []) => prepare(sql).get(...params) as T | undefined,
    run: async (sql: string, params: SqlValue[] = []) => prepare(sql).run(...params).changes,
  }
  // BEGIN IMMEDIATE already makes this connection the only writer of the file.
  const tx: SqlTx = { ...direct, lock: async () => undefined }

  return {
    dialect: 'sqlite',
    transaction: <T>(fn: (tx: SqlTx) => Promise<T>) =>
      serial(async () => {
        db.exec('BEGIN IMMEDIATE')
        try {
          const result = await fn(tx)
          db.exec('COMMIT')
          return result
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK')
          throw error
        }
      }),
    queries: {
      all: (sql, params) => serial(() => direct.all(sql, params)),
      get: (sql, params) => serial(() => direct.get(sql, params)),
      run: (sql, params) => serial(() => direct.run(sql, params)),
    },
    appliedMigrations: () => serial(async () => db.prepare('SELECT version, name, hash FROM schema_migrations ORDER BY version').all() as AppliedMigration[]),
    ping: () => serial(async () => void db.prepare('SELECT 1').get()),
    isUniqueViolation: (error) => error instanceof Error && 'code' in error && /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(String(error.code)),
    close: () => serial(async () => void db.close()),
  }
}
