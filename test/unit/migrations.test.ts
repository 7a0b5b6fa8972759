import { appendFileSync, cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultMigrationsDir } from '../../src/core/store/migrate'
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

function readdirCount(dir: string): number {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).length
}
