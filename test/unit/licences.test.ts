import { afterEach, describe, expect, it } from 'vitest'
import { makeTopology, openCore, type TestCore } from '../helpers/core'
import { expectRefusedUnchanged } from '../helpers/store'

let t: TestCore
afterEach(async () => t?.close())

/** One server with `n` collections named c1…cn. */
async function setup(n: number) {
  t = await openCore()
  const { server, collection } = await makeTopology(t.client, { region: 'eu-west', server: 'db-01', collection: 'c1' })
  const cols = [collection]
  for (let i = 2; i <= n; i++) cols.push(await t.client.call('collections.create', { serverId: server.id, name: `c${i}` }))
  return { server, cols }
}

describe('clients', () => {
  it('creates, lists, updates and tombstones clients; refuses duplicates and bad names', async () => {
    await setup(1)
    const acme = await t.client.call('clients.create', { name: 'Acme', tier: 'gold' })
    expect(acme).toMatchObject({ name: 'Acme', tier: 'gold', licenceLimit: 2, licenceCount: 0, notes: '' })
    await t.client.call('clients.create', { name: 'Beta', tier: 'blue', notes: 'pilot' })
    expect((await t.client.call('clients.list', {})).map((c) => c.name)).toEqual(['Acme', 'Beta'])
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.create', { name: ' ACME ', tier: 'blue' }), 'NAME_TAKEN')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.create', { name: '', tier: 'blue' }), 'NAME_INVALID')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.create', { name: 'X', tier: 'silver' as never }), 'INVALID_INPUT')
    const renamed = await t.client.call('clients.update', { id: acme.id, name: 'Acme Corp', notes: 'key account' })
    expect(renamed).toMatchObject({ name: 'Acme Corp', notes: 'key account' })
    expect(renamed.updatedAt > acme.updatedAt).toBe(true)
    await t.client.call('clients.delete', { id: acme.id })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.get', { id: acme.id }), 'CLIENT_NOT_FOUND')
    expect((await t.client.call('clients.list', {})).map((c) => c.name)).toEqual(['Beta'])
  })

  it('refuses to delete a client that holds a licence', async () => {
    const { cols } = await setup(1)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'blue' })
    await t.client.call('licences.create', { clientId: c.id, collectionId: cols[0]!.id })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.delete', { id: c.id }), 'CLIENT_HAS_LICENCES')
  })
})

describe('master licences', () => {
  it.each([
    ['blue', 1],
    ['gold', 2],
    ['platinum', 3],
  ] as const)('a %s client holds at most %i licence(s)', async (tier, limit) => {
    const { cols } = await setup(4)
    const c = await t.client.call('clients.create', { name: 'Acme', tier })
    for (let i = 0; i < limit; i++) await t.client.call('licences.create', { clientId: c.id, collectionId: cols[i]!.id })
    const message = await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: c.id, collectionId: cols[limit]!.id }), 'LICENCE_LIMIT_REACHED')
    expect(message).toContain(`${limit} of ${limit}`)
    expect((await t.client.call('clients.get', { id: c.id })).licenceCount).toBe(limit)
    // inactive licences are still bound and still count
    const first = (await t.client.call('licences.list', { clientId: c.id }))[0]!
    await t.client.call('licences.setStatus', { id: first.id, status: 'inactive' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: c.id, collectionId: cols[limit]!.id }), 'LICENCE_LIMIT_REACHED')
  })

  it('binds a collection to at most one live licence, across clients', async () => {
    const { cols } = await setup(2)
    const a = await t.client.call('clients.create', { name: 'Acme', tier: 'platinum' })
    const b = await t.client.call('clients.create', { name: 'Beta', tier: 'platinum' })
    const la = await t.client.call('licences.create', { clientId: a.id, collectionId: cols[0]!.id })
    expect(la).toMatchObject({ clientId: a.id, collectionId: cols[0]!.id, status: 'active', keyCount: 0 })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: a.id, collectionId: cols[0]!.id }), 'COLLECTION_ALREADY_LICENSED')
    const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: b.id, collectionId: cols[0]!.id }), 'COLLECTION_ALREADY_LICENSED')
    expect(msg).toContain('Acme')
    // rebinding onto a licensed collection is refused too; onto a free one it works
    const lb = await t.client.call('licences.create', { clientId: b.id, collectionId: cols[1]!.id })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.rebind', { id: lb.id, collectionId: cols[0]!.id }), 'COLLECTION_ALREADY_LICENSED')
    await t.client.call('licences.delete', { id: la.id })
    const moved = await t.client.call('licences.rebind', { id: lb.id, collectionId: cols[0]!.id })
    expect(moved.collectionId).toBe(cols[0]!.id)
    expect(await t.client.call('licences.list', { collectionId: cols[0]!.id })).toEqual([moved])
    expect(await t.client.call('licences.list', { collectionId: cols[1]!.id })).toEqual([])
  })

  it('keeps a licensed collection from being deleted until its licence is released', async () => {
    const { cols } = await setup(1)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'blue' })
    const l = await t.client.call('licences.create', { clientId: c.id, collectionId: cols[0]!.id })
    const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('collections.delete', { id: cols[0]!.id }), 'NOT_EMPTY')
    expect(msg).toContain('1 master licence')
    await t.client.call('licences.delete', { id: l.id })
    await t.client.call('collections.delete', { id: cols[0]!.id })
  })

  it('refuses unknown clients, collections and licences with coded errors', async () => {
    const { cols } = await setup(1)
    const ghost = '01900000-0000-7000-8000-000000000000'
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'blue' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: ghost, collectionId: cols[0]!.id }), 'CLIENT_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.create', { clientId: c.id, collectionId: ghost }), 'COLLECTION_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.setStatus', { id: ghost, status: 'inactive' }), 'LICENCE_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.delete', { id: ghost }), 'LICENCE_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.setStatus', { id: ghost, status: 'paused' as never }), 'INVALID_INPUT')
  })

  it('audits every licence change', async () => {
    const { cols } = await setup(2)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'gold' })
    const l = await t.client.call('licences.create', { clientId: c.id, collectionId: cols[0]!.id })
    await t.client.call('licences.setStatus', { id: l.id, status: 'inactive' })
    await t.client.call('licences.rebind', { id: l.id, collectionId: cols[1]!.id })
    await t.client.call('licences.delete', { id: l.id })
    const { entries } = await t.client.call('audit.list', { entity: 'licence', entityId: l.id })
    expect(entries.map((e) => e.action)).toEqual(['licences.release', 'licences.rebind', 'licences.setStatus', 'licences.create'])
    expect(await t.client.call('audit.verify', {})).toMatchObject({ ok: true })
  })
})

describe('tier changes', () => {
  it('upgrades freely and downgrades freely while the licences still fit', async () => {
    const { cols } = await setup(2)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'blue' })
    await t.client.call('licences.create', { clientId: c.id, collectionId: cols[0]!.id })
    const up = await t.client.call('clients.setTier', { id: c.id, tier: 'platinum' })
    expect(up).toMatchObject({ client: { tier: 'platinum', licenceLimit: 3 }, releasedLicenceIds: [], deactivatedKeyIds: [] })
    const preview = await t.client.call('licences.previewTierChange', { clientId: c.id, tier: 'blue' })
    expect(preview).toMatchObject({ from: 'platinum', to: 'blue', limit: 1, liveLicences: 1, mustRelease: 0, releases: [] })
    expect((await t.client.call('clients.setTier', { id: c.id, tier: 'blue' })).client.tier).toBe('blue')
    // naming licences when none must go is a mismatch, not silently ignored
    const l = (await t.client.call('licences.list', { clientId: c.id }))[0]!
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.setTier', { id: c.id, tier: 'gold', releaseLicenceIds: [l.id] }), 'TIER_RELEASE_MISMATCH')
  })

  it('previews, refuses and then applies a downgrade that orphans licences', async () => {
    const { cols } = await setup(3)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'platinum' })
    const ls: { id: string }[] = []
    for (const col of cols) ls.push(await t.client.call('licences.create', { clientId: c.id, collectionId: col.id }))

    const preview = await t.client.call('licences.previewTierChange', { clientId: c.id, tier: 'blue' })
    expect(preview).toMatchObject({ from: 'platinum', to: 'blue', limit: 1, liveLicences: 3, mustRelease: 2, proposed: true })
    // no keys anywhere: the newest licences are proposed
    expect(preview.releases.map((r) => r.licenceId)).toEqual([ls[2]!.id, ls[1]!.id])
    expect(preview.releases.map((r) => r.collectionName)).toEqual(['c3', 'c2'])

    const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.setTier', { id: c.id, tier: 'blue' }), 'TIER_DOWNGRADE_ORPHANS')
    expect(msg).toContain('2 would be orphaned')
    expect(msg).toContain('"c3"')
    expect(msg).toContain('"c2"')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.setTier', { id: c.id, tier: 'blue', releaseLicenceIds: [ls[2]!.id] }), 'TIER_RELEASE_MISMATCH')
    await expectRefusedUnchanged(
      t.core,
      () => t.client.invoke('clients.setTier', { id: c.id, tier: 'blue', releaseLicenceIds: [ls[2]!.id, '01900000-0000-7000-8000-000000000000'] }),
      'TIER_RELEASE_MISMATCH',
    )
    await expectRefusedUnchanged(t.core, () => t.client.invoke('clients.setTier', { id: c.id, tier: 'blue', releaseLicenceIds: [ls[2]!.id, ls[2]!.id] }), 'TIER_RELEASE_MISMATCH')

    // the admin may choose other licences than proposed; the preview of that choice lists them
    const chosen = [ls[0]!.id, ls[2]!.id]
    const chosenPreview = await t.client.call('licences.previewTierChange', { clientId: c.id, tier: 'blue', releaseLicenceIds: chosen })
    expect(chosenPreview.releases.map((r) => r.collectionName)).toEqual(['c1', 'c3'])
    expect(chosenPreview.proposed).toBe(false)

    const done = await t.client.call('clients.setTier', { id: c.id, tier: 'blue', releaseLicenceIds: chosen })
    expect(done.client).toMatchObject({ tier: 'blue', licenceCount: 1 })
    expect(done.releasedLicenceIds.sort()).toEqual([...chosen].sort())
    expect((await t.client.call('licences.list', { clientId: c.id })).map((l) => l.id)).toEqual([ls[1]!.id])
    // released collections are free again
    const other = await t.client.call('clients.create', { name: 'Beta', tier: 'blue' })
    await t.client.call('licences.create', { clientId: other.id, collectionId: cols[0]!.id })
    const actions = (await t.client.call('audit.list', { limit: 5 })).entries.map((e) => e.action)
    expect(actions).toEqual(['licences.create', 'clients.create', 'clients.setTier', 'licences.release', 'licences.release'])
  })

  it('says which keys a release would switch off, a replaced key in its rotation grace as such', async () => {
    const { cols } = await setup(2)
    const c = await t.client.call('clients.create', { name: 'Acme', tier: 'gold' })
    await t.client.call('licences.create', { clientId: c.id, collectionId: cols[0]!.id })
    const released = await t.client.call('licences.create', { clientId: c.id, collectionId: cols[1]!.id })
    const erp = await t.client.call('keys.create', { collectionId: cols[1]!.id, applicationKind: 'erp', name: 'ERP connector' })
    const rotated = await t.client.call('keys.rotate', { id: erp.key.id, graceHours: 24 })
    const mobile = await t.client.call('keys.create', { collectionId: cols[1]!.id, applicationKind: 'mobile', name: 'Mobile', active: false })

    const preview = await t.client.call('licences.previewTierChange', { clientId: c.id, tier: 'blue', releaseLicenceIds: [released.id] })
    const keys = preview.releases[0]!.keys
    expect(keys.map((k) => [k.id, k.name, k.applicationKind, k.status]).sort()).toEqual(
      [
        [erp.key.id, 'ERP connector', 'erp', 'in rotation grace'],
        [rotated.key.id, 'ERP connector', 'erp', 'active'],
        [mobile.key.id, 'Mobile', 'mobile', 'inactive'],
      ].sort(),
    )
  })
})
