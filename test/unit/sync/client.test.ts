import { afterEach, describe, expect, it } from 'vitest'
import type { TestCore } from '../../helpers/core'
import { connect, desktop, syncServer } from '../../helpers/desktops'
import { makeLicensedCollection } from '../../helpers/keys'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function track<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
  const v = await x
  cleanups.push(() => v.close())
  return v
}

describe('desktop sync client', () => {
  it('a second desktop receives the first one’s topology, client, licence and key and can verify the key', async () => {
    const server = await track(syncServer())
    const a: TestCore = await track(desktop())
    const b: TestCore = await track(desktop())
    const placed = await makeLicensedCollection(a.client)
    const { key, secret } = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP key' })
    await connect(a, server.url, 'desk-a')
    const refused = await a.client.invoke('sync.run', {})
    expect(refused).toMatchObject({ ok: false, error: { code: 'SYNC_PREVIEW_REQUIRED' } })
    const first = await a.client.call('sync.run', { confirmInitial: true })
    expect(first.error).toBeNull()
    expect(first.pushed).toBeGreaterThan(20)

    await connect(b, server.url, 'desk-b')
    const second = await b.client.call('sync.run', { confirmInitial: true })
    expect(second.error).toBeNull()
    expect(second.pulled).toBeGreaterThan(20)
    const keys = await b.client.call('keys.list', { collectionId: placed.collection.id })
    expect(keys.map((k) => k.id)).toContain(key.id)
    expect((await b.client.call('keys.verify', { key: secret })).code).toBe('VALID')
    expect((await b.client.call('keys.reveal', { id: key.id })).secret).toBe(secret)
  }, 60_000)
})
