import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultPreferences } from '../../src/shared/model'
import { makeCore, makeTopology, openCore, PASSPHRASE, type TestCore } from '../helpers/core'

let t: TestCore | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('preferences', () => {
  it('keep the chosen region, server and collection across a restart, in a plain file without secrets', async () => {
    t = await openCore()
    const { region, server, collection } = await makeTopology(t.client)
    await t.client.call('prefs.set', { lastRegionId: region.id, lastServerId: server.id, lastCollectionId: collection.id, theme: 'dark' })
    await t.core.close()
    const restarted = makeCore({ dataDir: t.dir })
    // readable before unlock: the UI needs the theme on the unlock screen
    expect(await restarted.client.call('prefs.get', {})).toMatchObject({ lastRegionId: region.id, lastServerId: server.id, lastCollectionId: collection.id, theme: 'dark' })
    await restarted.client.call('vault.unlock', { passphrase: PASSPHRASE })
    const file = readFileSync(join(t.dir, 'preferences.json'), 'utf8')
    expect(file).not.toContain(PASSPHRASE)
    expect(Object.keys(JSON.parse(file)).sort()).toEqual(Object.keys(defaultPreferences).sort())
    await restarted.close(true)
  })

  it('refuses invalid values with INVALID_INPUT and survives a damaged file', async () => {
    t = makeCore()
    expect(await t.client.invoke('prefs.set', { autoLockMinutes: -5 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await t.client.invoke('prefs.set', { theme: 'purple' } as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await t.client.invoke('prefs.set', { secret: 'x' } as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    await t.client.call('prefs.set', { autoLockMinutes: 5 })
    await t.core.close()
    writeFileSync(join(t.dir, 'preferences.json'), '{"autoLockMinutes": "soon", "theme": 3}')
    const again = makeCore({ dataDir: t.dir })
    expect(await again.client.call('prefs.get', {})).toEqual(defaultPreferences)
    await again.close(true)
    writeFileSync(join(t.dir, 'preferences.json'), '{not json at all')
    const third = makeCore({ dataDir: t.dir })
    expect(await third.client.call('prefs.get', {})).toEqual(defaultPreferences)
    await third.close(true)
  })
})
