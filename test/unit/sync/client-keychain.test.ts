import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import keytar from 'keytar'
import { afterEach, describe, expect, it } from 'vitest'
import { tokenAccount } from '../../../src/core/sync/settings'
import { backfillSql, outboxTriggerSql, TABLES } from '../../../src/core/sync/tables'
import { KEYCHAIN_SERVICE, keytarKeychain } from '../../../src/core/vault/keychain'
import { connect, desktop, syncServer } from '../../helpers/desktops'

// `npm test` runs inside a private D-Bus session with an unlocked gnome-keyring; a bare
// `npx vitest` has no Secret Service and says this test was skipped.
const keychainIt = process.env.KEYWARD_IN_TEST_KEYRING === '1' ? it : it.skip

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('the device token', () => {
  keychainIt('lives in the OS keychain (never in the store), is used for syncing and is deleted on disconnect', async () => {
    const server = await syncServer()
    cleanups.push(() => server.close())
    const a = await desktop({ keychain: keytarKeychain() })
    cleanups.push(() => a.close())
    const status = await connect(a, server.url, 'a')
    expect(status.tokenStorage).toBe('keychain')
    const account = tokenAccount(a.core.session().installationId)
    const token = await keytar.getPassword(KEYCHAIN_SERVICE, account)
    expect(token).toBeTruthy()
    const row = a.core.session().db.prepare('SELECT token FROM sync_settings').get() as { token: Buffer | null }
    expect(row.token).toBeNull()
    for (const file of readdirSync(a.dir)) expect(readFileSync(join(a.dir, file)).includes(Buffer.from(token!))).toBe(false)
    expect((await a.client.call('sync.run', { confirmInitial: true })).error).toBeNull()
    await a.client.call('sync.disconnect', {})
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, account)).toBeNull()
  }, 60_000)
})

describe('the outbox triggers of migration 0006', () => {
  it('are the ones generated from the sync table map (every synced column, nothing else)', () => {
    const sql = readFileSync(new URL('../../../src/core/store/migrations/0006_sync.sql', import.meta.url), 'utf8')
    for (const t of TABLES) {
      expect(sql).toContain(outboxTriggerSql(t))
      // the backfill differs per run only in nothing: it is text, generated alike
      expect(sql).toContain(backfillSql(t))
    }
  })
})
