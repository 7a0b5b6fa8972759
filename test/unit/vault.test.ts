import { createHash, randomBytes } from 'node:crypto'
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3-multiple-ciphers'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/core/logger'
import { openEncryptedDatabase } from '../../src/core/store/database'
import { makeCore, makeTopology, openCore, PASSPHRASE, tempDir, type TestCore } from '../helpers/core'

let cores: TestCore[] = []
afterEach(async () => {
  await Promise.all(cores.map((c) => c.close()))
  cores = []
})
const track = <T extends TestCore>(t: T) => (cores.push(t), t)
const fingerprint = (dir: string) =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]))

describe('the vault', () => {
  it('refuses a weak passphrase on first run and creates nothing', async () => {
    const t = track(makeCore())
    for (const weak of ['', 'short', 'password1234', 'aaaaaaaaaaaaaaaa', 'keyward-vault', 'Summer2024!!']) {
      const r = await t.client.invoke('vault.setup', { passphrase: weak })
      expect(r).toMatchObject({ ok: false, error: { code: 'VAULT_WEAK_PASSPHRASE' } })
    }
    expect(existsSync(join(t.dir, 'vault.json'))).toBe(false)
    expect(existsSync(join(t.dir, 'keyward.db'))).toBe(false)
    expect((await t.client.call('vault.status', {})).state).toBe('uninitialized')
  })

  it('encrypts the whole database file and wraps its key with Argon2id (≥ 64 MiB, 3 passes)', async () => {
    const t = track(await openCore())
    await makeTopology(t.client, { region: 'plain-text-region-name', server: 'db', collection: 'c' })
    await t.client.call('vault.lock', {})
    const bytes = readFileSync(join(t.dir, 'keyward.db'))
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\u0000')
    expect(bytes.includes(Buffer.from('plain-text-region-name'))).toBe(false)
    expect(() => new Database(join(t.dir, 'keyward.db')).prepare('SELECT * FROM regions').all()).toThrow(/not a database/)
    const header = JSON.parse(readFileSync(join(t.dir, 'vault.json'), 'utf8'))
    expect(header.kdf).toMatchObject({ algorithm: 'argon2id', passes: 3 })
    expect(header.kdf.memoryKiB).toBeGreaterThanOrEqual(65536)
  })

  it('opens the store with WAL, synchronous=FULL, foreign keys on and temporary files in memory', () => {
    const dir = tempDir()
    const db = openEncryptedDatabase(join(dir, 'x.db'), randomBytes(32))
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    // the cipher does not encrypt temporary files (statement and savepoint journals hold page images)
    expect(db.pragma('temp_store', { simple: true })).toBe(2) // MEMORY
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(16384)
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(67108864)
    db.close()
  })

  it('refuses a wrong passphrase with VAULT_BAD_PASSPHRASE and changes nothing', async () => {
    const t = track(await openCore())
    await makeTopology(t.client)
    await t.client.call('vault.lock', {})
    const before = fingerprint(t.dir)
    for (const wrong of ['correct horse battery staple 43', PASSPHRASE.toUpperCase(), ' ' + PASSPHRASE, '']) {
      expect(await t.client.invoke('vault.unlock', { passphrase: wrong })).toMatchObject({ ok: false, error: { code: 'VAULT_BAD_PASSPHRASE', message: 'That passphrase does not open this vault.' } })
      expect((await t.client.call('vault.status', {})).state).toBe('locked')
    }
    expect(fingerprint(t.dir)).toEqual(before)
    expect(await t.client.invoke('regions.list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } })
  })

  it('opens with the passphrase alone on another machine (a copy of the data directory)', async () => {
    const t = track(await openCore())
    const { collection } = await makeTopology(t.client)
    await t.client.call('vault.lock', {})
    const elsewhere = tempDir()
    cpSync(t.dir, elsewhere, { recursive: true })
    const other = track(makeCore({ dataDir: elsewhere }))
    expect((await other.client.call('vault.status', {})).state).toBe('locked')
    await other.client.call('vault.unlock', { passphrase: PASSPHRASE })
    expect((await other.client.call('collections.list', { regionId: collection.regionId })).map((c) => c.id)).toEqual([collection.id])
  })

  it('lock closes the database; unlock brings the same data back', async () => {
    const t = track(await openCore())
    const { region } = await makeTopology(t.client)
    expect((await t.client.call('vault.lock', {})).state).toBe('locked')
    expect(await t.client.invoke('servers.list', { regionId: region.id })).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } })
    await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
    expect((await t.client.call('servers.list', { regionId: region.id })).length).toBe(1)
  })

  it('changes the passphrase: the old one stops working, the data stays', async () => {
    const t = track(await openCore())
    await makeTopology(t.client)
    const next = 'a different and long passphrase 2026'
    expect(await t.client.invoke('vault.changePassphrase', { current: 'wrong wrong wrong wrong', next })).toMatchObject({ ok: false, error: { code: 'VAULT_BAD_PASSPHRASE' } })
    expect(await t.client.invoke('vault.changePassphrase', { current: PASSPHRASE, next: 'weak' })).toMatchObject({ ok: false, error: { code: 'VAULT_WEAK_PASSPHRASE' } })
    await t.client.call('vault.changePassphrase', { current: PASSPHRASE, next })
    await t.client.call('vault.lock', {})
    expect(await t.client.invoke('vault.unlock', { passphrase: PASSPHRASE })).toMatchObject({ ok: false, error: { code: 'VAULT_BAD_PASSPHRASE' } })
    await t.client.call('vault.unlock', { passphrase: next })
    expect((await t.client.call('regions.list', {})).length).toBe(1)
  })

  it('refuses a second setup and a database without its header', async () => {
    const t = track(await openCore())
    expect(await t.client.invoke('vault.setup', { passphrase: 'another strong passphrase 99' })).toMatchObject({ ok: false, error: { code: 'VAULT_ALREADY_INITIALIZED' } })
    await t.client.call('vault.lock', {})
    const orphan = tempDir()
    cpSync(join(t.dir, 'keyward.db'), join(orphan, 'keyward.db'))
    const o = track(makeCore({ dataDir: orphan }))
    expect(await o.client.invoke('vault.setup', { passphrase: PASSPHRASE })).toMatchObject({ ok: false, error: { code: 'VAULT_CORRUPT' } })
  })

  it('locks itself after the configured inactivity', async () => {
    const t = track(await openCore())
    await t.client.call('prefs.set', { autoLockMinutes: 1 })
    const locked = new Promise<string>((resolve) => t.core.on('vault.changed', (s) => s.state === 'locked' && resolve(s.state)))
    const { vi } = await import('vitest')
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      await t.client.call('regions.list', {}) // activity re-arms the timer under fake time
      vi.advanceTimersByTime(59_000)
      expect((await t.client.call('vault.status', {})).state).toBe('unlocked')
      vi.advanceTimersByTime(2_000)
    } finally {
      vi.useRealTimers()
    }
    expect(await locked).toBe('locked')
  })

  it('never writes the passphrase to the log', async () => {
    const chunks: string[] = []
    const sink = { write: (chunk: string) => void chunks.push(chunk) }
    {
      const t = track(await openCore({ logger: createLogger('trace', sink) }))
      await t.client.invoke('vault.unlock', { passphrase: 'wrong but secret passphrase' })
      await t.client.call('vault.lock', {})
      await t.client.invoke('vault.unlock', { passphrase: 'wrong but secret passphrase' })
      await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
    }
    const log = chunks.join('')
    expect(log).toContain('"method":"vault.unlock"')
    expect(log).not.toContain(PASSPHRASE)
    expect(log).not.toContain('wrong but secret passphrase')
  })
})
