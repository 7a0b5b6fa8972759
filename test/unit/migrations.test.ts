import { appendFileSync, cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3-multiple-ciphers'
import { defaultMigrationsDir, migrate, type Migration } from '../../src/core/store/migrate'
import { makeCore, openCore, PASSPHRASE, tempDir, type TestCore } from '../helpers/core'

let t: TestCore | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

function copyOfMigrations(): string {
  const dir = tempDir('keyward-migrations-')
  cpSync(defaultMigrationsDir, dir, { recursive: true })
  return dir
}

describe('migrations', () => {
  it('records each applied migration with its hash', async () => {
    t = await openCore()
    t.core.lock()
    const reopened = makeCore({ dataDir: t.dir })
    await reopened.client.call('vault.unlock', { passphrase: PASSPHRASE })
    // applying twice is a no-op: the store opens and the data is there
    expect(await reopened.client.call('regions.list', {})).toEqual([])
    await reopened.close(true)
  })

  it('refuses to open a vault whose applied migration was edited, and stays locked', async () => {
    const migrationsDir = copyOfMigrations()
    t = await openCore({ migrationsDir })
    await t.client.call('regions.create', { name: 'kept' })
    await t.client.call('vault.lock', {})
    appendFileSync(join(migrationsDir, '0001_foundation.sql'), '\n-- an innocent-looking edit\n')
    const r = await t.client.invoke('vault.unlock', { passphrase: PASSPHRASE })
    expect(r).toMatchObject({ ok: false, error: { code: 'MIGRATION_CHANGED' } })
    expect(!r.ok && r.error.message).toMatch(/Migration 1 \(foundation\) was edited after it was applied/)
    expect((await t.client.call('vault.status', {})).state).toBe('locked')
    // the original file opens it again, with the data intact
    cpSync(join(defaultMigrationsDir, '0001_foundation.sql'), join(migrationsDir, '0001_foundation.sql'))
    await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
    expect((await t.client.call('regions.list', {})).map((r) => r.name)).toEqual(['kept'])
  })

  it('rolls back a failing migration as a whole and reports it', async () => {
    const migrationsDir = copyOfMigrations()
    t = await openCore({ migrationsDir })
    await t.client.call('vault.lock', {})
    const next = String(readdirCount(migrationsDir) + 1).padStart(4, '0')
    writeFileSync(join(migrationsDir, `${next}_broken.sql`), 'CREATE TABLE half_done (id TEXT);\nTHIS IS NOT SQL;\n')
    const r = await t.client.invoke('vault.unlock', { passphrase: PASSPHRASE })
    expect(r).toMatchObject({ ok: false, error: { code: 'MIGRATION_FAILED' } })
    expect((await t.client.call('vault.status', {})).state).toBe('locked')
    // without the broken file the vault opens, and the half-created table is not there
    rmSync(join(migrationsDir, `${next}_broken.sql`))
    await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
    await t.client.call('regions.create', { name: 'after' })
  })

  it('refuses badly numbered migration files', async () => {
    const migrationsDir = copyOfMigrations()
    writeFileSync(join(migrationsDir, '0099_gap.sql'), 'SELECT 1;')
    t = makeCore({ migrationsDir })
    expect(await t.client.invoke('vault.setup', { passphrase: PASSPHRASE })).toMatchObject({ ok: false, error: { code: 'MIGRATION_FAILED' } })
    // the failed first run left nothing behind: it can simply be tried again
    expect(readdirSync(t.dir).filter((f) => f.startsWith('keyward.db') || f === 'vault.json')).toEqual([])
    rmSync(join(migrationsDir, '0099_gap.sql'))
    expect((await t.client.call('vault.setup', { passphrase: PASSPHRASE })).state).toBe('unlocked')
  })
})

describe('table rebuilds (-- keyward:rebuilds-tables)', () => {
  const migration = (version: number, sql: string): Migration => ({ version, name: `m${version}`, sql, hash: `h${version}` })
  const base = migration(
    1,
    `CREATE TABLE parent (id INTEGER PRIMARY KEY, note TEXT);
     CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));
     INSERT INTO parent VALUES (1, 'a'), (2, 'b'); INSERT INTO child VALUES (10, 1), (20, 2);`,
  )
  const rebuild = (keep: string) =>
    migration(
      2,
      `-- keyward:rebuilds-tables
       CREATE TABLE parent_new (id INTEGER PRIMARY KEY);
       INSERT INTO parent_new SELECT id FROM parent WHERE ${keep};
       DROP TABLE parent;
       ALTER TABLE parent_new RENAME TO parent;`,
    )

  it('runs with foreign keys off, checks them before the commit, and turns them back on', () => {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db, [base])
    // a parent table rebuilt under its children: with foreign keys on, DROP TABLE would refuse
    expect(migrate(db, [base, rebuild('1 = 1')]).applied).toEqual([2])
    expect(db.prepare('SELECT id FROM parent ORDER BY id').all()).toEqual([{ id: 1 }, { id: 2 }])
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(() => db.prepare('INSERT INTO child VALUES (30, 99)').run()).toThrow(/FOREIGN KEY/)
    db.close()
  })

  it('refuses a rebuild that leaves a child without its parent, and changes nothing', () => {
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    migrate(db, [base])
    expect(() => migrate(db, [base, rebuild('id = 1')])).toThrow(/Migration 2 \(m2\) failed and was rolled back: it leaves 1 broken foreign key\(s\), the first from child to parent/)
    expect(db.prepare('SELECT id, note FROM parent ORDER BY id').all()).toEqual([{ id: 1, note: 'a' }, { id: 2, note: 'b' }])
    expect(db.prepare('SELECT version FROM schema_migrations').all()).toEqual([{ version: 1 }])
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
  })
})

function readdirCount(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).length
}
