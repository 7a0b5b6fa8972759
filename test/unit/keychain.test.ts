import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import keytar from 'keytar'
import { afterEach, describe, expect, it } from 'vitest'
import { KEYCHAIN_SERVICE, keytarKeychain } from '../../src/core/vault/keychain'
import { makeCore, PASSPHRASE, type TestCore } from '../helpers/core'

// `npm test` runs inside a private D-Bus session with an unlocked gnome-keyring. There the
// keychain must work; anywhere else (a bare `npx vitest`) these tests say they were skipped.
const inTestKeyring = process.env.KEYWARD_IN_TEST_KEYRING === '1'
const keychainIt = inTestKeyring ? it : it.skip

let t: TestCore | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('unlock with the OS keychain (real Secret Service)', () => {
  keychainIt('is off by default, turns on, unlocks without typing, and turning it off deletes the entry', async () => {
    t = makeCore({ keychain: keytarKeychain() })
    const status = await t.client.call('vault.status', {})
    expect(status.keychain).toEqual({ available: true, enabled: false })
    await t.client.call('vault.setup', { passphrase: PASSPHRASE })
    expect((await t.client.call('vault.status', {})).keychain.enabled).toBe(false)
    const vaultId = JSON.parse(readFileSync(join(t.dir, 'vault.json'), 'utf8')).vaultId as string
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, vaultId)).toBeNull()

    await t.client.call('vault.setKeychain', { enabled: true })
    const stored = await keytar.getPassword(KEYCHAIN_SERVICE, vaultId)
    expect(stored).toMatch(/^[0-9a-f]{64}$/)
    // the key is in the keychain, never on disk
    for (const file of readdirSync(t.dir)) expect(readFileSync(join(t.dir, file)).includes(Buffer.from(stored!))).toBe(false)

    await t.client.call('vault.lock', {})
    expect((await t.client.call('vault.unlockWithKeychain', {})).state).toBe('unlocked')

    await t.client.call('vault.setKeychain', { enabled: false })
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, vaultId)).toBeNull()
    await t.client.call('vault.lock', {})
    expect(await t.client.invoke('vault.unlockWithKeychain', {})).toMatchObject({ ok: false, error: { code: 'KEYCHAIN_NOT_ENABLED' } })
    expect((await t.client.call('vault.unlock', { passphrase: PASSPHRASE })).state).toBe('unlocked')
  })

  keychainIt('can be chosen at first run', async () => {
    t = makeCore({ keychain: keytarKeychain() })
    await t.client.call('vault.setup', { passphrase: PASSPHRASE, useKeychain: true })
    expect((await t.client.call('vault.status', {})).keychain.enabled).toBe(true)
    await t.client.call('vault.lock', {})
    expect((await t.client.call('vault.unlockWithKeychain', {})).state).toBe('unlocked')
    await t.client.call('vault.setKeychain', { enabled: false })
  })

  it('without a Secret Service the option is unavailable, said plainly, and nothing breaks', () => {
    // A child process with no session bus at all: keytar must fail fast and Keyward must say so.
    const script = `
      import { makeCore, PASSPHRASE } from './test/helpers/core.ts'
      import { keytarKeychain } from './src/core/vault/keychain.ts'
      const t = makeCore({ keychain: keytarKeychain() })
      const before = await t.client.call('vault.status', {})
      const setupWithKeychain = await t.client.invoke('vault.setup', { passphrase: PASSPHRASE, useKeychain: true })
      const setup = await t.client.invoke('vault.setup', { passphrase: PASSPHRASE })
      const turnOn = await t.client.invoke('vault.setKeychain', { enabled: true })
      console.log(JSON.stringify({ before, setupWithKeychain, setup: setup.ok, turnOn }))
      await t.close()
    `
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/keyward-no-bus', DISPLAY: '' }
    delete env.KEYWARD_IN_TEST_KEYRING
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!)
    expect(out.before.keychain.available).toBe(false)
    expect(out.before.keychain.reason).toMatch(/keychain/i)
    expect(out.setupWithKeychain).toMatchObject({ ok: false, error: { code: 'KEYCHAIN_UNAVAILABLE' } })
    expect(out.setup).toBe(true)
    expect(out.turnOn).toMatchObject({ ok: false, error: { code: 'KEYCHAIN_UNAVAILABLE' } })
  })
})
