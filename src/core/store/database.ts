import Database from 'better-sqlite3-multiple-ciphers'
import { KeywardError } from '../../shared/errors'

export type Db = Database.Database

export interface OpenOptions {
  /** Path of an alternative native addon (the Electron build of better-sqlite3). */
  nativeBinding?: string
}

/**
 * Opens (or creates) the whole-file encrypted SQLite database. The key is 32 raw bytes and is
 * given to SQLCipher as a raw hex key, so no passphrase KDF runs inside SQLite.
 */
export function openEncryptedDatabase(file: string, key: Buffer, options: OpenOptions = {}): Db {
  if (key.length !== 32) throw new KeywardError('INTERNAL', 'The database key must be 256 bits.')
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  try {
    db.pragma(`cipher='sqlcipher'`)
    db.pragma('legacy=4')
    db.pragma(`key="x'${key.toString('hex')}'"`)
    // Touching the schema is what makes SQLCipher check the key.
    db.prepare('SELECT count(*) FROM sqlite_master').get()
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // Every page read from disk is decrypted and authenticated (SQLCipher), so a working set
    // that does not fit the cache is decrypted again on every query: the records table over
    // 100 000 service users scans its covering indexes ~4× faster with them cached. The cache
    // grows only as pages are used; 128 MiB is its ceiling, not an allocation.
    db.pragma('cache_size = -131072')
    // Temporary files (statement and savepoint journals, sorts, temp tables) in memory: the
    // cipher encrypts the database, its WAL and its journal, not temporary files, and a
    // statement or savepoint journal that outgrows its memory buffer would put page images in
    // the clear into a file on disk.
    db.pragma('temp_store = MEMORY')
    return db
  } catch (error) {
    db.close()
    if (error instanceof Error && /not a database/i.test(error.message)) {
      throw new KeywardError('VAULT_CORRUPT', 'The database file cannot be opened with this vault key (wrong key or damaged file).')
    }
    throw error
  }
}
