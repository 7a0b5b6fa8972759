import type { AppliedMigration } from '../../core/store/migrate'

export type SqlValue = string | number | null

/**
 * The few statements the server store needs, written once with `?` placeholders in SQL that
 * SQLite and PostgreSQL both accept. Dialect differences stay in the drivers and migrations.
 */
export interface SqlQueries {
  all<T>(sql: string, params?: SqlValue[]): Promise<T[]>
  get<T>(sql: string, params?: SqlValue[]): Promise<T | undefined>
  /** Returns the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>
}

export interface SqlTx extends SqlQueries {
  /**
   * Serialises the writers of one shared sequence (the audit chain, later the change log)
   * until the transaction ends, across every server instance on the same database, so
   * sequence numbers are handed out in commit order.
   */
  lock(name: 'audit' | 'changes'): Promise<void>
}

export type Dialect = 'sqlite' | 'postgres'

/** SQL expressions that are spelled differently per dialect. */
export interface SqlDialectText {
  /** The JSON string literal of a text expression (`"…"`, escaped). */
  jsonString(expr: string): string
  /** The aggregate joining a text expression over rows, in `orderBy` order, with `separator` (NULL over no rows). */
  joinText(expr: string, separator: string, orderBy: string): string
}

export const dialectText: Record<Dialect, SqlDialectText> = {
  sqlite: {
    jsonString: (expr) => `json_quote(${expr})`,
    joinText: (expr, separator, orderBy) => `group_concat(${expr}, '${separator}' ORDER BY ${orderBy})`,
  },
  postgres: {
    jsonString: (expr) => `to_json(${expr})::text`,
    joinText: (expr, separator, orderBy) => `string_agg(${expr}, '${separator}' ORDER BY ${orderBy})`,
  },
}

export interface SqlDriver {
  readonly dialect: Dialect
  /** Runs `fn` in one transaction: everything it wrote commits, or nothing does. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>
  /**
   * Single statements outside a transaction (lookups on the request path). Never call these
   * inside `transaction`'s callback: use its `tx` (on SQLite they would wait for it forever).
   */
  readonly queries: SqlQueries
  appliedMigrations(): Promise<AppliedMigration[]>
  /** Throws when the database cannot be reached. */
  ping(): Promise<void>
  isUniqueViolation(error: unknown): boolean
  close(): Promise<void>
}
