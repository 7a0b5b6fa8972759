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
    // Checkpoint every 64 MiB of WAL (16 384 pages) instead of SQLite's 4 MiB: a page written
    // by many commits in a row (an index, the search index, sync_clock during a first pull) is
    // then encrypted and copied into the database once per checkpoint rather than once per
    // 4 MiB, and there are far fewer checkpoint fsyncs. The desktop sync bench's first sync of
    // 20 000 service users went from 16.6–17.8 s to 13.5–14.4 s in alternating runs (with
    // 100 000, 89.8 and 104.7 s against 101.7 and 117.1 s: within that bench's noise); reads
    // of pages still in the WAL pay a few percent (records.search p50 9.5 → 9.9–10.1 ms). The WAL
    // is encrypted like the database, and a commit is as durable as before (synchronous=FULL
    // syncs the WAL at each commit); the file is cut back to 64 MiB after a checkpoint.
    db.pragma('wal_autocheckpoint = 16384')
    db.pragma('journal_size_limit = 67108864')
    return db
  } catch (error) {
    db.close()
    if (error instanceof Error && /not a database/i.test(error.message)) {
      throw new KeywardError('VAULT_CORRUPT', 'The database file cannot be opened with this vault key (wrong key or damaged file).')
    }
    throw error
  }
}
