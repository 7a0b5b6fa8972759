import { fileURLToPath } from 'node:url'
import type { Dialect } from './sql-driver'

/** Each dialect has its own numbered .sql files; the schemas are kept table-for-table alike. */
export function migrationsDir(dialect: Dialect): string {
  return fileURLToPath(new URL(`./migrations/${dialect}`, import.meta.url))
}
