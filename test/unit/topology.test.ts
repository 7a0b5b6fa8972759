import { afterEach, describe, expect, it } from 'vitest'
import { makeTopology, openCore, PASSPHRASE, type TestCore } from '../helpers/core'

let t: TestCore
afterEach(async () => t?.close())

describe('regions, servers, collections', () => {
  it('creates, lists, renames and tombstones the tree', async () => {
    t = await openCore()
    const { region, server, collection } = await makeTopology(t.client)
    expect(await t.client.call('regions.list', {})).toEqual([region])
    expect((await t.client.call('servers.list', { regionId: region.id })).map((s) => s.name)).toEqual(['db-01'])
    expect(await t.client.call('collections.list', { regionId: region.id })).toEqual([collection])
    expect(await t.client.call('collections.list', { serverId: server.id })).toEqual([collection])

    const renamed = await t.client.call('collections.rename', { id: collection.id, name: 'acme-staging' })
    expect(renamed.name).toBe('acme-staging')
    expect(renamed.updatedAt > collection.updatedAt).toBe(true)

    await t.client.call('collections.delete', { id: collection.id })
    expect(await t.client.call('collections.list', { serverId: server.id })).toEqual([])
    // a tombstoned name can be used again
    await t.client.call('collections.create', { serverId: server.id, name: 'acme-staging' })
  })

  it('refuses bad names, duplicates, unknown parents and non-empty parents with coded errors', async () => {
    t = await openCore()
    const { region, server } = await makeTopology(t.client)
    const code = async (p: Promise<{ ok: boolean; error?: { code: string } }>) => (await p).error?.code
    expect(await code(t.client.invoke('regions.create', { name: '   ' }))).toBe('NAME_INVALID')
    expect(await code(t.client.invoke('regions.create', { name: 'x'.repeat(65) }))).toBe('NAME_INVALID')
    expect(await code(t.client.invoke('regions.create', { name: 'bad\nname' }))).toBe('NAME_INVALID')
    expect(await code(t.client.invoke('regions.create', { name: ' EU-WEST ' }))).toBe('NAME_TAKEN')
    expect(await code(t.client.invoke('servers.create', { regionId: region.id, name: 'DB-01' }))).toBe('NAME_TAKEN')
    expect(await code(t.client.invoke('servers.create', { regionId: '01900000-0000-7000-8000-000000000000', name: 'x' }))).toBe('REGION_NOT_FOUND')
    expect(await code(t.client.invoke('collections.create', { serverId: region.id, name: 'x' }))).toBe('SERVER_NOT_FOUND')
    expect(await code(t.client.invoke('servers.create', { regionId: 'not-a-uuid', name: 'x' }))).toBe('INVALID_INPUT')
    expect(await code(t.client.invoke('regions.delete', { id: region.id }))).toBe('NOT_EMPTY')
    expect(await code(t.client.invoke('servers.delete', { id: server.id }))).toBe('NOT_EMPTY')
    // the refusals changed nothing
    expect((await t.client.call('regions.list', {})).map((r) => r.name)).toEqual(['eu-west'])
  })

  it('records every change in the audit chain', async () => {
    t = await openCore()
    await makeTopology(t.client)
    const { entries } = await t.client.call('audit.list', {})
    expect(entries.map((e) => e.action)).toEqual(['collections.create', 'servers.create', 'regions.create', 'vault.setup'])
    expect(await t.client.call('audit.verify', {})).toMatchObject({ ok: true, entries: 4 })
  })

  it('audits locking and unlocking, with the reason', async () => {
    t = await openCore()
    const seen: string[] = []
    t.core.on('data.changed', ({ domain }) => seen.push(domain))
    await t.client.call('vault.lock', {})
    await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
    const { entries } = await t.client.call('audit.list', { entity: 'vault' })
    expect(entries.map((e) => [e.action, e.details.reason ?? e.details.with])).toEqual([
      ['vault.unlock', 'passphrase'],
      ['vault.lock', 'manual'],
      ['vault.setup', undefined],
    ])
    expect(entries[1]!.actor).toBe('test-admin')
    expect(seen).toContain('audit')
  })
})
