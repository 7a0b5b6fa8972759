import { afterEach, describe, expect, it } from 'vitest'
import type { InProcessClient } from '../../../src/core/client'
import { ORGANISATION_SCOPE } from '../../../src/shared/sync'
import type { TestCore } from '../../helpers/core'
import { connect, desktop, forwardingProxy } from '../../helpers/desktops'
import { makeLicensedCollection } from '../../helpers/keys'
import { backends, PASSWORD, type Target } from '../../helpers/server'
import { createAdminByCli, killed, startServerProcess } from '../../helpers/server-process'

/**
 * The reliability tests of the server (test/unit/sync/reliability.test.ts) again, but driven
 * by the real desktop client: its outbox, op ids, retries and cursors.
 */
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Clients with three fields each, so there is plenty to push. */
async function manyClients(client: InProcessClient, count: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < count; i++) ids.push((await client.call('clients.create', { name: `client ${String(i).padStart(4, '0')}`, tier: 'blue' })).id)
  return ids
}

/** sync.run until one finishes without an error (bounded). */
async function runUntilClean(d: TestCore, attempts = 300) {
  for (let i = 0; i < attempts; i++) {
    const summary = await d.client.call('sync.run', { confirmInitial: true })
    if (summary.error === null) return i
  }
  throw new Error('sync never finished cleanly')
}

/** No op applied twice; every field of every client of `ids` on the server with its latest value. */
async function expectServerHolds(target: Target, ids: string[]) {
  const dupes = await target.sql<{ op_id: string }>('SELECT op_id FROM changes WHERE op_id IS NOT NULL GROUP BY op_id HAVING COUNT(*) > 1')
  expect(dupes).toEqual([])
  // a field's value on the server is its latest change (entity_fields is folded from these later)
  const names = await target.sql<{ entity_id: string; value: string }>(
    `SELECT c.entity_id, c.value FROM changes c WHERE c.seq IN (SELECT MAX(seq) FROM changes WHERE entity = 'clients' AND field = 'name' GROUP BY entity_id)`,
  )
  const byId = new Map(names.map((r) => [r.entity_id, JSON.parse(r.value) as string]))
  for (const id of ids) expect(byId.has(id), `client ${id} never reached the server`).toBe(true)
  return byId
}

describe('the desktop client over an unreliable network', () => {
  it('through a proxy that drops, delays, duplicates and fails ≥ 20 % of requests, nothing is lost or applied twice', async () => {
    const target = await backends[0]!.fresh()
    cleanups.push(() => target.cleanup())
    const { startTestServer, addAdmin } = await import('../../helpers/server')
    const t = await startTestServer(target, { syncTailMs: 0 })
    cleanups.push(() => t.close())
    await addAdmin(t)
    const upstream = await t.server.listen()
    const proxy = await forwardingProxy(upstream, 0.5)
    cleanups.push(() => proxy.close())
    const a = await desktop({ sync: { intervalMs: 0, pushBatch: 40, pullPage: 50, requestTimeoutMs: 3_000 } })
    const b = await desktop({ sync: { intervalMs: 0, pullPage: 50, requestTimeoutMs: 3_000 } })
    cleanups.push(() => a.close(), () => b.close())
    const placed = await makeLicensedCollection(a.client)
    const ids = await manyClients(a.client, 60)
    // configure straight to the server (login is not what is under test), then sync through the proxy
    await connect(a, upstream, 'a')
    await connect(b, upstream, 'b')
    for (const d of [a, b]) d.core.session().db.prepare('UPDATE sync_settings SET server_url = ?').run(proxy.url)
    await runUntilClean(a)
    // edits while the network misbehaves: renames, each re-dirtying queued fields
    for (const id of ids.slice(0, 20)) await a.client.call('clients.update', { id, name: `renamed ${id.slice(-6)}` })
    await runUntilClean(a)
    await runUntilClean(b)
    const total = Object.values(proxy.faults).reduce((x, y) => x + y, 0)
    expect((total - proxy.faults.clean - proxy.faults.delay) / total).toBeGreaterThanOrEqual(0.2)
    expect(proxy.faults.dropAnswer + proxy.faults.duplicate).toBeGreaterThan(0)
    const onServer = await expectServerHolds(target, ids)
    for (const id of ids.slice(0, 20)) expect(onServer.get(id)).toBe(`renamed ${id.slice(-6)}`)
    expect((await a.client.call('sync.status', {})).pending).toBe(0)
    const names = (db: TestCore) => db.core.session().db.prepare('SELECT id, name, tier FROM clients ORDER BY id').all()
    expect(names(b)).toEqual(names(a))
    expect((await b.client.call('licences.list', { clientId: placed.customer.id })).map((l) => l.id)).toEqual([placed.licence.id])
  }, 180_000)

  it('kill -9 of the server in the middle of a push loses nothing acknowledged; the next run completes', async () => {
    const target = await backends[0]!.fresh()
    cleanups.push(() => target.cleanup())
    const storeArgs = ['--data-dir', target.dataDir]
    expect(createAdminByCli(storeArgs, 'alice', PASSWORD).status).toBe(0)
    let server = await startServerProcess(storeArgs)
    cleanups.push(() => killed(server.child))
    const proxy = await forwardingProxy(server.url)
    cleanups.push(() => proxy.close())
    const a = await desktop({ sync: { intervalMs: 0, pushBatch: 25, requestTimeoutMs: 30_000 } })
    cleanups.push(() => a.close())
    const ids = await manyClients(a.client, 150)
    await connect(a, proxy.url, 'a')
    let batches = 0
    const stopAt = 4 + Math.floor(Math.random() * 8)
    let kill: Promise<void> | undefined
    const off = a.core.on('sync.progress', (p) => {
      if (p.phase === 'pushing' && p.done > 0 && ++batches === stopAt) kill = killed(server.child)
    })
    const interrupted = await a.client.call('sync.run', { confirmInitial: true })
    off()
    expect(kill, `the push ended after ${batches} batches (${JSON.stringify(interrupted.error)})`).toBeDefined()
    await kill
    expect(server.child.signalCode).toBe('SIGKILL')
    expect(interrupted.error).toMatchObject({ code: 'SYNC_UNREACHABLE' })
    expect(interrupted.pushed).toBeGreaterThan(0)
    const left = (await a.client.call('sync.status', {})).pending
    expect(left).toBeGreaterThan(0)
    // what the desktop saw acknowledged is on disk
    // (an applied operation is recorded by its change row, any other in ops)
    const onDisk = await target.sql<{ n: number }>('SELECT COUNT(*) AS n FROM (SELECT op_id FROM ops UNION SELECT op_id FROM changes WHERE op_id IS NOT NULL) AS received')
    expect(onDisk[0]!.n).toBeGreaterThanOrEqual(interrupted.pushed)

    server = await startServerProcess(storeArgs)
    proxy.retarget(server.url)
    const again = await a.client.call('sync.run', { confirmInitial: true })
    expect(again.error).toBeNull()
    expect((await a.client.call('sync.status', {})).pending).toBe(0)
    const onServer = await expectServerHolds(target, ids)
    expect(onServer.size).toBe(ids.length)
    const scopes = (await a.client.call('sync.status', {})).collections
    expect(scopes.find((c) => c.collectionId === ORGANISATION_SCOPE)?.initialDone).toBe(true)
  }, 180_000)
})
