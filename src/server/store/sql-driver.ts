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
   * Serialises the writers of one shared sequence (the audit chain, the change log) until
   * the transaction ends, across every server instance on the same database, so sequence
   * numbers are handed out in commit order; 'fields' keeps two instances' folds of the log
   * into entity_fields from writing the same rows at once.
   */
  lock(name: 'audit' | 'changes' | 'fields'): Promise<void>
}

export type Dialect = 'sqlite' | 'postgres'

/** SQL expressions that are spelled differently per dialect. */
export interface SqlDialectText {
  /**
   * The JSON object text of a row: `[key, column, json]` per member, `json` when the column
   * already holds JSON text (embedded as the value it encodes, not as a string).
   */
  jsonObject(members: readonly (readonly [key: string, column: string, json?: boolean])[]): string
}

const objectArgs = (members: readonly (readonly [string, string, boolean?])[], asJson: (column: string) => string) =>
  members.map(([key, column, json]) => `'${key}', ${json ? asJson(column) : column}`).join(', ')

export const dialectText: Record<Dialect, SqlDialectText> = {
  sqlite: {
    jsonObject: (members) => `json_object(${objectArgs(members, (c) => `json(${c})`)})`,
  },
  postgres: {
    jsonObject: (members) => `json_build_object(${objectArgs(members, (c) => `${c}::json`)})::text`,
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
