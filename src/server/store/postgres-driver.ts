import pg from 'pg'
import { loadMigrations, migrationFailed, MIGRATIONS_TABLE_SQL, pendingMigrations, type AppliedMigration, type Migration } from '../../core/store/migrate'
import type { Logger } from '../../core/logger'
import type { SqlDriver, SqlQueries, SqlTx, SqlValue } from './sql-driver'
import { migrationsDir } from './migrations-dir'

/** Any fixed number: every instance takes the same advisory lock while it migrates. */
const MIGRATION_LOCK = 4_241_001

const placeholders = new Map<string, string>()
/** The store writes `?` (portable); PostgreSQL wants $1, $2, … Our SQL has no literal "?". */
function toPg(sql: string): string {
  let converted = placeholders.get(sql)
  if (!converted) {
    let n = 0
    converted = sql.replace(/\?/g, () => `$${++n}`)
    placeholders.set(sql, converted)
  }
  return converted
}

function queriesOn(client: pg.Pool | pg.PoolClient): SqlQueries {
  return {
    all: async <T>(sql: string, params: SqlValue[] = []) => (await client.query(toPg(sql), params)).rows as T[],
    get: async <T>(sql: string, params: SqlValue[] = []) => (await client.query(toPg(sql), params)).rows[0] as T | undefined,
    run: async (sql: string, params: SqlValue[] = []) => (await client.query(toPg(sql), params)).rowCount ?? 0,
  }
}

/**
 * The production backend. Stateless instances share one PostgreSQL: every write is a
 * transaction, shared sequences are serialised with transaction-scoped advisory locks, and
 * migrations run under a session advisory lock so instances starting together don't race.
 */
export async function openPostgresDriver(url: string, logger: Logger, migrations: Migration[] = loadMigrations(migrationsDir('postgres'))): Promise<SqlDriver> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 })
  // An idle connection that dies (database restart) must not crash the process.
  pool.on('error', (error) => logger.warn({ error: error.message }, 'idle database connection failed'))
  try {
    await migratePostgres(pool, migrations)
  } catch (error) {
    await pool.end()
    throw error
  }
  const direct = queriesOn(pool)
  return {
    dialect: 'postgres',
    async transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
      const client = await pool.connect()
      let broken: Error | undefined
      try {
        await client.query('BEGIN')
        const tx: SqlTx = {
          ...queriesOn(client),
          lock: async (name) => void (await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`keyward:${name}`])),
        }
        const result = await fn(tx)
        await client.query('COMMIT')
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
        throw error
      } finally {
        client.release(broken)
      }
    },
    queries: direct,
    appliedMigrations: () => direct.all<AppliedMigration>('SELECT version, name, hash FROM schema_migrations ORDER BY version'),
    ping: async () => void (await pool.query('SELECT 1')),
    isUniqueViolation: (error) => error instanceof Error && 'code' in error && error.code === '23505',
    close: () => pool.end(),
  }
}

async function migratePostgres(pool: pg.Pool, migrations: Migration[]): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    await client.query(MIGRATIONS_TABLE_SQL)
    const applied = (await client.query('SELECT version, name, hash FROM schema_migrations ORDER BY version')).rows as AppliedMigration[]
    for (const m of pendingMigrations(applied, migrations)) {
      try {
        await client.query('BEGIN')
        await client.query(m.sql)
        await client.query('INSERT INTO schema_migrations (version, name, hash, applied_at) VALUES ($1, $2, $3, $4)', [m.version, m.name, m.hash, new Date().toISOString()])
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw migrationFailed(m, error)
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
    client.release()
  }
}
