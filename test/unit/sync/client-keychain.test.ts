import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import keytar from 'keytar'
import { afterEach, describe, expect, it } from 'vitest'
import { tokenAccount } from '../../../src/core/sync/settings'
import { backfillSql, opIdV7MigrationSql, outboxTriggerSql, TABLES } from '../../../src/core/sync/tables'
import { KEYCHAIN_SERVICE, keytarKeychain } from '../../../src/core/vault/keychain'
import { openCore } from '../../helpers/core'
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

describe('the outbox triggers', () => {
  const migration = (name: string) => readFileSync(new URL(`../../../src/core/store/migrations/${name}`, import.meta.url), 'utf8')

  it('of migration 0006 are the ones generated from the sync table map (every synced column, nothing else), with v4 op ids as shipped', () => {
    const sql = migration('0006_sync.sql')
    for (const t of TABLES) {
      expect(sql).toContain(outboxTriggerSql(t, 'v4'))
      // the backfill differs per run only in nothing: it is text, generated alike
      expect(sql).toContain(backfillSql(t, 'v4'))
    }
  })

  it('of migration 0007 replace every one of them with the current generator (time-ordered op ids)', () => {
    const sql = migration('0007_time_ordered_op_ids.sql')
    expect(sql).toContain(opIdV7MigrationSql())
    for (const t of TABLES) expect(sql).toContain(outboxTriggerSql(t))
  })

  it('name every queued change with a version-7 UUID of the time it was queued, so later changes sort later', async () => {
    const t = await openCore()
    cleanups.push(() => t.close())
    const before = Date.now()
    const first = await t.client.call('regions.create', { name: 'eu-west' })
    await new Promise((resolve) => setTimeout(resolve, 5))
    await t.client.call('regions.rename', { id: first.id, name: 'eu-west-1' })
    const after = Date.now()
    const rows = t.core.session().db.prepare("SELECT field, op_id FROM sync_outbox WHERE entity = 'regions' ORDER BY seq").all() as { field: string; op_id: string }[]
    expect(rows.length).toBeGreaterThan(1)
    for (const r of rows) {
      expect(r.op_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      const ms = parseInt(r.op_id.slice(0, 8) + r.op_id.slice(9, 13), 16)
      expect(ms).toBeGreaterThanOrEqual(before)
      expect(ms).toBeLessThanOrEqual(after)
    }
    // the rename re-queued the name with a fresh id, later than every id of the creation
    const renamed = rows.find((r) => r.field === 'name')!.op_id
    for (const r of rows.filter((r) => r.field !== 'name')) expect(renamed > r.op_id).toBe(true)
    // ids are unique even within one millisecond
    expect(new Set(rows.map((r) => r.op_id)).size).toBe(rows.length)
  })
})
