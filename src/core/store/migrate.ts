import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KeywardError } from '../../shared/errors'
import type { Db } from './database'

export interface Migration {
  version: number
  name: string
  sql: string
  hash: string
}

/** Where the numbered .sql files live; the Electron build copies them next to its bundle. */
export const defaultMigrationsDir = fileURLToPath(new URL('./migrations', import.meta.url))

const FILE = /^(\d{4})_([a-z0-9_-]+)\.sql$/

export function loadMigrations(dir: string = defaultMigrationsDir): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const migrations = files.map((file) => {
    const match = FILE.exec(file)
    if (!match) throw new KeywardError('MIGRATION_FAILED', `Migration file "${file}" must be named NNNN_name.sql.`)
    const sql = readFileSync(join(dir, file), 'utf8')
    return { version: Number(match[1]), name: match[2]!, sql, hash: createHash('sha256').update(sql).digest('hex') }
  })
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new KeywardError('MIGRATION_FAILED', `Migrations must be numbered 1, 2, 3… without gaps; found ${m.version} at position ${i + 1}.`)
  })
  return migrations
}

/** The bookkeeping table; plain enough SQL to be the same on SQLite and PostgreSQL. */
export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`

export interface AppliedMigration {
  version: number
  name: string
  hash: string
}

/**
 * Checks what a database has already applied against the files and returns what is still to
 * do. An applied migration whose file changed afterwards is refused: the schema would no
 * longer be what the file says. Every dialect's runner goes through this one check.
 */
export function pendingMigrations(applied: AppliedMigration[], migrations: Migration[]): Migration[] {
  for (const row of applied) {
    const file = migrations.find((m) => m.version === Number(row.version))
    if (!file) {
      throw new KeywardError('MIGRATION_CHANGED', `The database has migration ${row.version} (${row.name}) that this version of Keyward does not know; it was made by a newer version.`)
    }
    if (file.hash !== row.hash) {
      throw new KeywardError('MIGRATION_CHANGED', `Migration ${row.version} (${row.name}) was edited after it was applied; restore the original file instead of changing it, and add a new migration.`)
    }
  }
  const done = new Set(applied.map((r) => Number(r.version)))
  return migrations.filter((m) => !done.has(m.version))
}

export function migrationFailed(m: Migration, error: unknown): KeywardError {
  return new KeywardError('MIGRATION_FAILED', `Migration ${m.version} (${m.name}) failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`)
}

/**
 * A SQLite migration that rebuilds tables (SQLite's documented ALTER TABLE procedure: create
 * the new table, copy, drop, rename) says so on a line of its own. It runs with foreign keys
 * off, as that procedure requires, and must leave none broken: a `foreign_key_check` before
 * its commit refuses it (and rolls it back) otherwise.
 */
export const REBUILDS_TABLES = /^-- keyward:rebuilds-tables$/m

/** Applies every pending migration on a SQLite database, each in its own transaction, recording its hash. */
export function migrate(db: Db, migrations: Migration[]): { applied: number[] } {
  db.exec(MIGRATIONS_TABLE_SQL)
  const rows = db.prepare('SELECT version, name, hash FROM schema_migrations ORDER BY version').all() as AppliedMigration[]
  const applied: number[] = []
  const record = db.prepare('INSERT INTO schema_migrations (version, name, hash, applied_at) VALUES (?, ?, ?, ?)')
  for (const m of pendingMigrations(rows, migrations)) {
    const rebuilds = REBUILDS_TABLES.test(m.sql)
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1
    // only outside a transaction does this pragma take effect
    if (rebuilds && foreignKeys) db.pragma('foreign_keys = OFF')
    try {
      db.transaction(() => {
        db.exec(m.sql)
        if (rebuilds) {
          const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[]
          if (broken.length > 0) throw new Error(`it leaves ${broken.length} broken foreign key(s), the first from ${broken[0]!.table} to ${broken[0]!.parent}`)
        }
        record.run(m.version, m.name, m.hash, new Date().toISOString())
      })()
    } catch (error) {
      throw migrationFailed(m, error)
    } finally {
      if (rebuilds && foreignKeys) db.pragma('foreign_keys = ON')
    }
    applied.push(m.version)
  }
  return { applied }
}
