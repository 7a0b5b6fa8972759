import type { Statement } from 'better-sqlite3-multiple-ciphers'
import type { Db } from './database'

/**
 * Prepared statements cached per connection. Compiling SQL costs tens of microseconds, which
 * dominated hot paths such as keys.create. Only for statements run with get/all/run (they
 * finish at once); an `iterate()` keeps a statement busy, so those are prepared fresh.
 */
const caches = new WeakMap<Db, Map<string, Statement>>()

export function prepared(db: Db, sql: string): Statement {
  let cache = caches.get(db)
  if (!cache) {
    cache = new Map()
    caches.set(db, cache)
  }
  let statement = cache.get(sql)
  if (!statement) {
    statement = db.prepare(sql)
    cache.set(sql, statement)
  }
  return statement
}
