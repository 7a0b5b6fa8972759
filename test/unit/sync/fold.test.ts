import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FoldOptions } from '../../../src/server/sync/engine'
import type { SyncEntity, SyncOp } from '../../../src/shared/sync'
import { addAdmin, backends, describeName, startTestServer, testClock, type Target, type TestServer } from '../../helpers/server'
import { opWriter } from '../../helpers/sync'

/**
 * entity_fields is folded from the change log after the pushes (migration 0009): a push writes
 * only its log rows, a fold points each field at its latest change, and `sync_fields_through`
 * says how far that is done. Whatever point the fold has reached when the server stops (not
 * at all, part way, all of it, or further than the mark says, as when another instance folded
 * after this one read it), the next start holds the same state: the snapshot up to the mark,
 * then the log after it.
 */
describe.each(backends)('folding the change log into entity_fields', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)

    let target: Target
    const open: TestServer[] = []
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
      await target?.cleanup()
    })
    const clock = testClock()
    const start = async (fold: FoldOptions = {}) => {
      const t = await startTestServer(target, { now: clock.now, syncTailMs: 0, syncFold: { idleMs: 0, chunk: 4, ...fold } })
      open.push(t)
      return t
    }
    const stop = async (t: TestServer) => {
      open.splice(open.indexOf(t), 1)
      await t.close()
    }
    const push = async (t: TestServer, token: string, ops: SyncOp[]) => {
      const r = await t.request('POST', '/v1/sync/push', { token, body: { ops } })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return r.body.value.outcomes as { status: string }[]
    }
    const mark = async () => Number((await target.sql<{ value: string }>("SELECT value FROM server_meta WHERE key = 'sync_fields_through'"))[0]!.value)
    const lastSeq = async () => Number((await target.sql<{ n: number | string }>('SELECT MAX(seq) AS n FROM changes'))[0]!.n)
    /** Field pointers (entity, id, field → seq) as sorted text, to compare two sets of them. */
    const pointers = async (sql: string) =>
      (await target.sql<{ entity: string; entity_id: string; field: string; seq: number | string }>(sql)).map((r) => `${r.entity}/${r.entity_id}/${r.field}=${Number(r.seq)}`).sort()
    /** Each field's latest change, worked out from the log: what a complete entity_fields holds. */
    const latest = () => pointers('SELECT entity, entity_id, field, MAX(seq) AS seq FROM changes GROUP BY entity, entity_id, field')
    const folded = () => pointers('SELECT entity, entity_id, field, seq FROM entity_fields')
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 250; i++) {
        if (await check()) return
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error(`${what} did not happen within 5 s`)
    }

    /** A client with a licence, two keys for the same slot (the second comes back corrected), a revocation, a tombstone and renames. */
    const workload = async (t: TestServer, token: string) => {
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const licence = w.licence(c, client.id)
      const first = w.key(c, licence.id)
      expect((await push(t, token, [...client.ops, ...licence.ops, ...first.ops])).every((o) => o.status === 'applied')).toBe(true)
      const second = opWriter('dddddddd').key(c, licence.id)
      expect((await push(t, token, second.ops)).map((o) => o.status)).toContain('conflict')
      w.tick(1000)
      await push(t, token, [...w.write('api_keys', first.id, c, { status: 'revoked' }), ...w.write('clients', client.id, c, { name: 'renamed once' })])
      w.tick(1000)
      await push(t, token, [...w.write('clients', client.id, c, { name: 'renamed twice' }), ...w.write('api_keys', second.id, c, { deleted_at: '2026-03-01T12:10:00.000Z' })])
      const entities: [SyncEntity, string][] = [
        ['clients', client.id],
        ['licences', licence.id],
        ['api_keys', first.id],
        ['api_keys', second.id],
      ]
      return { w, c, client, entities, keys: [first, second] }
    }
    type Work = Awaited<ReturnType<typeof workload>>
    /** What the server holds in memory: every field of the workload's records, and what verify answers. */
    const state = (t: TestServer, work: Work) => ({
      fields: work.entities.map(([entity, id]) => Object.fromEntries([...(t.server.sync.fields(entity, id) ?? new Map())].sort())),
      verify: work.keys.map((k) => t.server.sync.index.verify(k.plaintext).code),
    })

    it('a push writes only the log; a start before, during or after the fold holds the same state', async () => {
      target = await backend.fresh()
      let t = await start()
      await addAdmin(t)
      const token = await t.token()
      const work = await workload(t, token)
      const held = state(t, work)
      expect(held.verify).toEqual(['REVOKED', 'NOT_FOUND'])
      expect(held.fields[0]).toMatchObject({ name: 'renamed twice' })
      // nothing folded yet: the log is all there is
      expect(await mark()).toBe(0)
      expect(await folded()).toEqual([])
      expect(t.server.sync.foldedThrough).toBe(0)

      // a start from the log alone
      await stop(t)
      t = await start()
      expect(state(t, work)).toEqual(held)

      // the whole fold, four changes a transaction: entity_fields is each field's latest change
      await t.server.sync.fold()
      const end = await lastSeq()
      expect(await mark()).toBe(end)
      expect(t.server.sync.foldedThrough).toBe(end)
      expect(await folded()).toEqual(await latest())
      await stop(t)
      t = await start()
      expect(state(t, work)).toEqual(held)

      // more changes, and a stop while folding them: the fold ends after its current transaction
      const token2 = await t.token('second device')
      work.w.tick(1000)
      await push(t, token2, [...work.w.write('clients', work.client.id, work.c, { name: 'renamed three times', notes: 'n' }), ...work.w.write('licences', work.entities[1]![1], work.c, { status: 'inactive' })])
      work.w.tick(1000)
      await push(t, token2, work.w.write('clients', work.client.id, work.c, { notes: 'n2', tier: 'blue' }))
      const moved = state(t, work)
      expect(moved.fields[0]).toMatchObject({ name: 'renamed three times', notes: 'n2', tier: 'blue' })
      const folding = t.server.sync.fold()
      await t.server.sync.close()
      await folding
      await stop(t)
      expect(await mark()).toBe(end + 4)
      expect(await lastSeq()).toBeGreaterThan(end + 4)
      t = await start()
      expect(state(t, work)).toEqual(moved)

      // another instance folded past the mark after this one read it: rows beyond the mark are
      // left to the replay of the log, which reaches the same changes
      await target.sql(
        `INSERT INTO entity_fields (entity, entity_id, field, seq) SELECT entity, entity_id, field, MAX(seq) FROM changes WHERE seq > ? GROUP BY entity, entity_id, field
         ON CONFLICT (entity, entity_id, field) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > entity_fields.seq`,
        [end + 4],
      )
      await stop(t)
      t = await start()
      expect(state(t, work)).toEqual(moved)
      await t.server.sync.fold()
      expect(await mark()).toBe(await lastSeq())
      expect(await folded()).toEqual(await latest())
    })

    it('folds on its own once sync traffic pauses, after maxWaitMs however busy, and at once past its backlog bound', async () => {
      target = await backend.fresh()
      let t = await start({ idleMs: 50 })
      await addAdmin(t)
      const token = await t.token()
      const work = await workload(t, token)
      await until('the fold after the pause', async () => (await mark()) === (await lastSeq()))
      expect(await folded()).toEqual(await latest())
      await stop(t)

      // pulls are sync traffic too: while desktops pull, the fold waits (up to maxWaitMs)
      t = await start({ idleMs: 1_000, maxWaitMs: 60_000 })
      const reader = await t.token('reader')
      work.w.tick(1000)
      await push(t, reader, work.w.write('clients', work.client.id, work.c, { notes: 'while pulling' }))
      const waiting = await mark()
      expect(waiting).toBeLessThan(await lastSeq())
      for (const until = Date.now() + 2_500; Date.now() < until; ) {
        expect((await t.request('GET', '/v1/sync/pull?cursor=0&limit=50', { token: reader })).status).toBe(200)
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(await mark()).toBe(waiting)
      await until('the fold once the pulls stopped', async () => (await mark()) === (await lastSeq()))
      await stop(t)

      // a fold that has waited maxWaitMs runs even while pushes keep coming
      t = await start({ idleMs: 1_000, maxWaitMs: 300 })
      const busy = await t.token('busy')
      const from = await mark()
      let pushes = 0
      for (const until = Date.now() + 10_000; (await mark()) === from && Date.now() < until; pushes++) {
        work.w.tick(10)
        await push(t, busy, work.w.write('clients', work.client.id, work.c, { notes: `busy ${pushes}` }))
        await new Promise((r) => setTimeout(r, 20))
      }
      expect(await mark()).toBeGreaterThan(from)
      expect(pushes).toBeGreaterThan(1)
      await stop(t)

      // no pause (idleMs 0 never folds on its own), but a bound of 5 unfolded changes
      t = await start({ idleMs: 0, backlogMax: 5 })
      const before = await mark()
      work.w.tick(1000)
      await push(t, await t.token('another'), work.w.write('clients', work.client.id, work.c, { notes: 'a', name: 'b', tier: 'platinum' }))
      expect(await mark()).toBe(before)
      work.w.tick(1000)
      await push(t, await t.token('yet another'), work.w.write('clients', work.client.id, work.c, { notes: 'c', name: 'd', tier: 'gold' }))
      await until('the fold past the bound', async () => (await mark()) === (await lastSeq()))
      expect(await folded()).toEqual(await latest())
      const held = state(t, work)
      await stop(t)
      t = await start()
      expect(state(t, work)).toEqual(held)
    })

    it.runIf(backend.name === 'postgres')('two instances folding the same log at once leave each field at its latest change', async () => {
      target = await backend.fresh()
      const a = await start({ chunk: 3 })
      await addAdmin(a)
      const b = await start({ chunk: 5 })
      const [ta, tb] = [await a.token('a'), await b.token('b')]
      // both write, each catching up with the other's changes inside its push
      const work = await workload(a, ta)
      for (let i = 0; i < 6; i++) {
        work.w.tick(1000)
        const [s, token] = i % 2 ? [a, ta] : [b, tb]
        await push(s, token, work.w.write('clients', work.client.id, work.c, { name: `name ${i}`, notes: `note ${i}` }))
      }
      await Promise.all([a.server.sync.fold(), b.server.sync.fold(), a.server.sync.fold()])
      expect(await mark()).toBe(await lastSeq())
      expect(await folded()).toEqual(await latest())
      const c = await start()
      // a caught up with b's pushes inside its own, and pushed last
      expect(state(c, work)).toEqual(state(a, work))
      expect(state(c, work).fields[0]).toMatchObject({ name: 'name 5', notes: 'note 5' })
    })
  })
})
