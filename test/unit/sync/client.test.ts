import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Remote } from '../../../src/core/sync/remote'
import { KeywardError } from '../../../src/shared/errors'
import { TABLES } from '../../../src/core/sync/tables'
import type { TestCore } from '../../helpers/core'
import { connect, desktop, forwardingProxy, ORG_PASSPHRASE, syncServer as serverOn } from '../../helpers/desktops'
import { makeLicensedCollection } from '../../helpers/keys'
import { addAdmin, backends, describeName, PASSWORD } from '../../helpers/server'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
async function track<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
  const v = await x
  cleanups.push(() => v.close())
  return v
}

/** Every synced, non-secret column of every row: what two converged desktops must agree on. */
function state(d: TestCore): Record<string, unknown[]> {
  const db = d.core.session().db
  const out: Record<string, unknown[]> = {}
  for (const t of TABLES) {
    const columns = t.fields.filter((f) => f.codec === 'plain' || f.codec === 'json-array' || f.codec === 'hex').map((f) => f.column)
    out[t.entity] = db.prepare(`SELECT id, ${columns.join(', ')} FROM ${t.table} ${t.localOnly ? `WHERE NOT (${t.localOnly.replace(/NEW\./g, '')})` : ''} ORDER BY id`).all()
  }
  return out
}

/** Runs sync on each desktop in turn, `rounds` times, each run without an error. */
async function syncAll(desktops: TestCore[], rounds = 2) {
  for (let r = 0; r < rounds; r++) {
    for (const d of desktops) {
      const summary = await d.client.call('sync.run', { confirmInitial: true })
      expect(summary.error).toBeNull()
    }
  }
}

describe.each(backends)('desktop sync client', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(async () => {
      await backend.setup()
    }, 120_000)
    afterAll(async () => {
      await backend.teardown()
    }, 60_000)
    const syncServer = () => serverOn(backend)

    it('a second desktop receives the first one’s topology, clients, licences, keys, users and tokens and verifies them locally', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const b = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      const { key, secret } = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP key' })
      const { user, password } = await a.client.call('users.create', { collectionId: placed.collection.id, keyId: key.id, username: 'erp-sync' })
      const issued = await a.client.call('tokens.generate', { userId: user.id, clientId: user.clientId, password: password! })
      await connect(a, server.url, 'desk-a')
      expect(await a.client.invoke('sync.run', {})).toMatchObject({ ok: false, error: { code: 'SYNC_PREVIEW_REQUIRED' } })
      const preview = await a.client.call('sync.preview', { collectionId: placed.collection.id })
      expect(preview.push.map((i) => i.entity)).toEqual(expect.arrayContaining(['licences', 'api_keys', 'service_users', 'tokens']))
      expect(preview.pull).toEqual([])
      expect(JSON.stringify(preview)).not.toContain(secret)
      const first = await a.client.call('sync.run', { confirmInitial: true })
      expect(first).toMatchObject({ error: null, conflicts: 0 })
      expect(first.pushed).toBeGreaterThan(40)
      expect((await a.client.call('sync.status', {})).pending).toBe(0)

      await connect(b, server.url, 'desk-b')
      const incoming = await b.client.call('sync.preview', { collectionId: placed.collection.id })
      expect(incoming.pull.find((i) => i.entityId === key.id)).toMatchObject({ change: 'create', label: 'ERP key' })
      expect(state(b).api_keys).toEqual([]) // the preview applied nothing
      const second = await b.client.call('sync.run', { confirmInitial: true })
      expect(second.error).toBeNull()
      expect(second.pulled).toBeGreaterThan(40)
      // pulled changes never go back out as ours
      const status = await b.client.call('sync.status', {})
      expect(status.pending).toBe(0)
      expect(status.collections.every((c) => c.initialDone && c.lastSyncAt !== null)).toBe(true)

      expect((await b.client.call('regions.list', {})).map((r) => r.name)).toEqual(['eu-west'])
      expect((await b.client.call('keys.list', { collectionId: placed.collection.id })).map((k) => k.id)).toEqual([key.id])
      expect((await b.client.call('keys.verify', { key: secret })).code).toBe('VALID')
      expect((await b.client.call('keys.reveal', { id: key.id })).secret).toBe(secret)
      expect((await b.client.call('tokens.history', { userId: user.id })).map((t) => t.id)).toEqual([issued.info.id])
      expect((await b.client.call('tokens.reveal', { id: issued.info.id })).token).toBe(issued.token)
      // A's token names A as its issuer; B holds it from sync, so B verifies it as A would
      expect(await b.client.call('tokens.verify', { token: issued.token })).toMatchObject({ code: 'VALID', tokenId: issued.info.id })
      expect(state(b)).toEqual(state(a))
      // the service user's password hash came along sealed: it still logs in on the other desktop
      const fromB = await b.client.call('tokens.generate', { userId: user.id, clientId: user.clientId, password: password! })
      expect(fromB.token).toMatch(/^ey/)
      // B's token is unknown to A until it syncs: signed with the shared key, but not issued here
      expect((await a.client.call('tokens.verify', { token: fromB.token })).code).toBe('WRONG_ISSUER')
      expect((await b.client.call('sync.run', {})).error).toBeNull()
      expect((await a.client.call('sync.run', {})).error).toBeNull()
      expect(await a.client.call('tokens.verify', { token: fromB.token })).toMatchObject({ code: 'VALID', tokenId: fromB.info.id })
    }, 60_000)

    it('edits, rotations, revocations and deletes on three desktops converge; revoked stays revoked', async () => {
      const server = await track(syncServer())
      const [a, b, c] = [await track(desktop()), await track(desktop()), await track(desktop())]
      const placed = await makeLicensedCollection(a.client, 'platinum')
      const erp = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP' })
      const wf = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'workflow', name: 'Workflow' })
      const mob = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'mobile', name: 'Mobile' })
      await connect(a, server.url, 'a')
      await connect(b, server.url, 'b')
      await connect(c, server.url, 'c')
      await syncAll([a, b, c], 1)

      // concurrent, offline: b revokes ERP while c renames it; a rotates Workflow; c deletes Mobile; b renames the client
      await b.client.call('keys.revoke', { id: erp.key.id, reason: 'leaked' })
      await c.client.call('keys.update', { id: erp.key.id, name: 'ERP renamed' })
      const rotated = await a.client.call('keys.rotate', { id: wf.key.id, graceHours: 1 })
      await c.client.call('keys.delete', { id: mob.key.id })
      await b.client.call('clients.update', { id: placed.customer.id, name: 'Acme Ltd' })
      await syncAll([c, a, b])

      expect(state(a)).toEqual(state(b))
      expect(state(b)).toEqual(state(c))
      for (const d of [a, b, c]) {
        expect((await d.client.call('keys.verify', { key: erp.secret })).code).toBe('REVOKED')
        expect((await d.client.call('keys.get', { id: erp.key.id })).name).toBe('ERP renamed')
        expect((await d.client.call('keys.verify', { key: rotated.secret })).code).toBe('VALID')
        expect((await d.client.call('keys.verify', { key: mob.secret })).code).toBe('NOT_FOUND')
      }
      // a collection made here after the first sync needs no preview; on the others it does
      const extra = await a.client.call('collections.create', { serverId: placed.server.id, name: 'acme-test' })
      expect((await a.client.call('sync.run', {})).error).toBeNull()
      // b learns the collection from the server and leaves it for a previewed first sync
      expect((await b.client.call('sync.run', {})).error).toBeNull()
      expect((await b.client.call('sync.status', {})).collections.find((c) => c.collectionId === extra.id)).toMatchObject({ initialDone: false })
      expect(await b.client.invoke('sync.run', {})).toMatchObject({ ok: false, error: { code: 'SYNC_PREVIEW_REQUIRED' } })
      // a later edit elsewhere never revives it
      expect(await a.client.invoke('keys.setStatus', { id: erp.key.id, status: 'active' })).toMatchObject({ ok: false, error: { code: 'KEY_REVOKED' } })
      await syncAll([a, b, c], 1)
      expect((await c.client.call('keys.verify', { key: erp.secret })).code).toBe('REVOKED')
    }, 90_000)

    it('refuses a wrong organisation passphrase, a bad URL, a wrong password and a wrong TOTP with coded errors and keeps nothing', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const b = await track(desktop())
      await connect(a, server.url, 'a')
      const before = await server.t.target.sql<{ n: number }>('SELECT COUNT(*) AS n FROM changes')
      expect(await b.client.invoke('sync.configure', { serverUrl: server.url, username: 'alice', password: PASSWORD, deviceName: 'b', organisationPassphrase: 'not the organisation passphrase' })).toMatchObject({
        ok: false,
        error: { code: 'SYNC_PASSPHRASE_MISMATCH' },
      })
      expect((await b.client.call('sync.status', {})).configured).toBe(false)
      // the device registered for the attempt is revoked again, and nothing was pushed
      const devices = await server.t.target.sql<{ name: string; revoked_at: string | null }>('SELECT name, revoked_at FROM devices')
      expect(devices.find((d) => d.name === 'b')?.revoked_at).not.toBeNull()
      expect(await server.t.target.sql('SELECT COUNT(*) AS n FROM changes')).toEqual(before)

      const attempt = (input: Record<string, unknown>) =>
        b.client.invoke('sync.configure', { serverUrl: server.url, username: 'alice', password: PASSWORD, deviceName: 'b', organisationPassphrase: ORG_PASSPHRASE, ...input })
      expect(await attempt({ serverUrl: 'ftp://127.0.0.1/' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      // credentials in the URL would be stored and shown with it: refused, and never echoed
      const inUrl = await attempt({ serverUrl: 'http://admin:hunter2-secret@127.0.0.1/' })
      expect(inUrl).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      expect(JSON.stringify(inUrl)).not.toContain('hunter2-secret')
      expect(await attempt({ serverUrl: 'http://127.0.0.1:9/' })).toMatchObject({ ok: false, error: { code: 'SYNC_UNREACHABLE' } })
      expect(await attempt({ password: 'wrong password of some length' })).toMatchObject({ ok: false, error: { code: 'LOGIN_FAILED' } })
      const bob = await addAdmin(server.t, 'bob', { withTotp: true })
      expect(bob).toBeTruthy()
      expect(await attempt({ username: 'bob' })).toMatchObject({ ok: false, error: { code: 'TOTP_REQUIRED' } })
      expect(await attempt({ username: 'bob', totp: '000000' })).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^LOGIN_FAILED|TOTP_REQUIRED$/) } })
      expect(await attempt({ organisationPassphrase: 'short' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      expect((await b.client.call('sync.status', {})).configured).toBe(false)
      expect(await b.client.invoke('sync.run', {})).toMatchObject({ ok: false, error: { code: 'SYNC_NOT_CONFIGURED' } })
      const unknown = '0190a8a4-1b2c-7d3e-8f40-123456789abc'
      expect(await a.client.invoke('sync.run', { collectionId: unknown })).toMatchObject({ ok: false, error: { code: 'COLLECTION_NOT_FOUND' } })
      expect(await a.client.invoke('sync.preview', { collectionId: 'not-an-id' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      expect(await a.client.invoke('sync.configure', { serverUrl: server.url, username: 'alice', password: PASSWORD, deviceName: 'a', organisationPassphrase: ORG_PASSPHRASE })).toMatchObject({
        ok: false,
        error: { code: 'SYNC_ALREADY_CONFIGURED' },
      })
    }, 60_000)

    it('disconnect revokes the device on the server and forgets token and key; local data stays', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      const configured = await connect(a, server.url, 'a')
      expect(configured).toMatchObject({ configured: true, username: 'alice', deviceName: 'a', tokenStorage: 'vault' })
      await a.client.call('sync.run', { confirmInitial: true })
      const status = await a.client.call('sync.disconnect', {})
      expect(status).toMatchObject({ configured: false, serverUrl: null, tokenStorage: null, collections: [] })
      const devices = await server.t.target.sql<{ id: string; revoked_at: string | null }>('SELECT id, revoked_at FROM devices')
      expect(devices.find((d) => d.id === configured.deviceId)?.revoked_at).not.toBeNull()
      const settings = a.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_settings').get() as { n: number }
      expect(settings.n).toBe(0)
      expect((await a.client.call('collections.list', { serverId: placed.server.id })).map((c) => c.id)).toContain(placed.collection.id)
      const audit = a.core.session().db.prepare(`SELECT action, details FROM audit_log WHERE action LIKE 'sync.%' ORDER BY seq`).all() as { action: string; details: string }[]
      expect(audit.map((e) => e.action)).toEqual(['sync.configure', 'sync.run', 'sync.disconnect'])
      expect(audit.map((e) => e.details).join()).not.toContain(PASSWORD)
      expect(audit.map((e) => e.details).join()).not.toContain(ORG_PASSPHRASE)
    }, 60_000)

    it('an edit made while its field is being pushed stays queued: acknowledgements remove ops by id only', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      const { key } = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP key' })
      await connect(a, server.url, 'a')
      const { nextBatch, acknowledge } = await import('../../../src/core/sync/outbox')
      const { syncKeyOf } = await import('../../../src/core/sync/settings')
      const s = a.core.session()
      const keys = { sealKey: s.sealKey, syncKey: syncKeyOf(s) }
      const { ops } = nextBatch(s, keys, ['00000000-0000-0000-0000-000000000000'], 1000)
      const sent = ops.find((o) => o.entity === 'clients' && o.field === 'name')!
      expect(sent.value).toBe('Acme')
      // a replay of the same op id carries the same body, sealed secrets included
      expect(nextBatch(s, keys, ['00000000-0000-0000-0000-000000000000'], 1000).ops.find((o) => o.opId === sent.opId)).toEqual(sent)
      const secretOp = () => nextBatch(s, keys, [placed.collection.id], 1000).ops.find((o) => o.entityId === key.id && o.field === 'secret')!
      expect(secretOp().value).toMatch(/^kws1\./)
      expect(secretOp()).toEqual(secretOp())
      await a.client.call('clients.update', { id: placed.customer.id, name: 'Acme renamed' })
      acknowledge(
        s,
        ops.map((o) => o.opId),
      )
      const left = nextBatch(s, keys, ['00000000-0000-0000-0000-000000000000'], 1000).ops
      expect(left).toHaveLength(1)
      expect(left[0]).toMatchObject({ entity: 'clients', field: 'name', value: 'Acme renamed' })
      expect(left[0]!.opId).not.toBe(sent.opId)
    }, 60_000)

    it('pushes one batch at a time, in outbox order, each after the previous one was answered', async () => {
      const server = await track(syncServer())
      const proxy = await forwardingProxy(server.url)
      cleanups.push(proxy.close)
      const a = await track(desktop({ sync: { intervalMs: 0, pushBatch: 7, requestTimeoutMs: 5_000 } }))
      const placed = await makeLicensedCollection(a.client)
      for (const kind of ['erp', 'workflow', 'mobile'] as const) await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: kind, name: `${kind} key` })
      await connect(a, proxy.url, 'a')
      const queued = (a.core.session().db.prepare('SELECT op_id FROM sync_outbox ORDER BY seq').all() as { op_id: string }[]).map((r) => r.op_id)
      expect(queued.length).toBeGreaterThan(30)
      const summary = await a.client.call('sync.run', { confirmInitial: true })
      expect(summary).toMatchObject({ error: null, pushed: queued.length, conflicts: 0 })
      const pushes = proxy.forwarded.filter((r) => r.path === '/v1/sync/push')
      expect(pushes.length).toBe(Math.ceil(queued.length / 7))
      expect(pushes.flatMap((r) => (JSON.parse(r.body) as { ops: { opId: string }[] }).ops.map((o) => o.opId))).toEqual(queued)
      for (let i = 1; i < pushes.length; i++) expect(pushes[i]!.arrivedAt).toBeGreaterThanOrEqual(pushes[i - 1]!.answeredAt)
      expect(a.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get()).toEqual({ n: 0 })
    }, 60_000)

    it('while a run pushes, sync.status says what is left to send as the progress moves, and counts the outbox again after it', async () => {
      const server = await track(syncServer())
      const a = await track(desktop({ sync: { intervalMs: 0, pushBatch: 3, requestTimeoutMs: 5_000 } }))
      const placed = await makeLicensedCollection(a.client)
      for (const kind of ['erp', 'workflow', 'mobile'] as const) await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: kind, name: `${kind} key` })
      await connect(a, server.url, 'a')
      const total = (await a.client.call('sync.status', {})).pending
      expect(total).toBeGreaterThan(30)
      // acknowledged ops leave the outbox a few batches at a time, so a count of the outbox
      // lags behind the progress between those commits; what the run says does not
      const seen: Promise<{ done: number; pending: number }>[] = []
      const off = a.core.on('sync.progress', (p) => {
        if (p.phase === 'pushing' && p.done > 0) seen.push(a.client.call('sync.status', {}).then((st) => ({ done: p.done, pending: st.pending })))
      })
      const summary = await a.client.call('sync.run', { confirmInitial: true })
      off()
      expect(summary).toMatchObject({ error: null, pushed: total })
      const during = await Promise.all(seen)
      expect(during.length).toBe(Math.ceil(total / 3))
      for (const { done, pending } of during) expect({ done, pending }).toEqual({ done, pending: total - done })
      // after the run the outbox is counted again, edits made meanwhile included
      await a.client.call('clients.update', { id: placed.customer.id, notes: 'after the run' })
      expect((await a.client.call('sync.status', {})).pending).toBe(1)
    }, 60_000)

    it('a push refused at once (while the next batch is being read) fails the run with its code and keeps the outbox', async () => {
      const server = await track(syncServer())
      const a = await track(desktop({ sync: { intervalMs: 0, pushBatch: 5, requestTimeoutMs: 5_000 } }))
      await makeLicensedCollection(a.client)
      await connect(a, server.url, 'a')
      const queued = a.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get()
      // a push answered with a promise already rejected when it is returned: nothing may leave
      // that rejection unhandled while the next batch is read (a plain function, not vi.fn, which
      // would attach its own handler to record the result)
      const call = Remote.prototype.call
      let pushes = 0
      Remote.prototype.call = function (this: Remote, name, request) {
        if (name !== 'sync.push') return call.call(this, name, request)
        pushes++
        return Promise.reject(new KeywardError('SYNC_UNREACHABLE', 'The Keyward server could not be reached.'))
      } as typeof call
      try {
        const run = await a.client.call('sync.run', { confirmInitial: true })
        expect(run.error).toMatchObject({ code: 'SYNC_UNREACHABLE' })
        expect(pushes).toBe(1)
      } finally {
        Remote.prototype.call = call
      }
      expect(a.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get()).toEqual(queued)
      expect((await a.client.call('sync.run', { confirmInitial: true })).error).toBeNull()
      expect(a.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_outbox').get()).toEqual({ n: 0 })
    }, 60_000)

    it('pulls page after page, each asked for once and after the page before it; a page lost while the one before is applied keeps that one', async () => {
      const server = await track(syncServer())
      const proxy = await forwardingProxy(server.url)
      cleanups.push(proxy.close)
      const a = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      for (const kind of ['erp', 'workflow', 'mobile'] as const) await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: kind, name: `${kind} key` })
      await connect(a, server.url, 'a')
      expect((await a.client.call('sync.run', { confirmInitial: true })).error).toBeNull()

      // B pulls 6 changes a page; the first request for a scope's next page (made while the page
      // before it is applied) fails
      const b = await track(desktop({ sync: { intervalMs: 0, pullPage: 6, requestTimeoutMs: 5_000 } }))
      await connect(b, proxy.url, 'b')
      const call = Remote.prototype.call
      const asked: { cursor: number; collectionId?: string }[] = []
      let lost: { cursor: number; collectionId?: string } | undefined
      Remote.prototype.call = function (this: Remote, name, request) {
        if (name !== 'sync.pull') return call.call(this, name, request)
        const query = (request as { query: { cursor: number; collectionId?: string } }).query
        const before = asked.at(-1)
        asked.push(query)
        if (!lost && before?.collectionId === query.collectionId) {
          lost = query
          return Promise.reject(new KeywardError('SYNC_UNREACHABLE', 'The Keyward server could not be reached.'))
        }
        return call.call(this, name, request)
      } as typeof call
      try {
        const run = await b.client.call('sync.run', { confirmInitial: true })
        expect(run.error).toMatchObject({ code: 'SYNC_UNREACHABLE' })
      } finally {
        Remote.prototype.call = call
      }
      // the page before it committed with its cursor, which is where the lost request started; nothing after it was asked for
      expect(lost).toBeDefined()
      expect(asked.at(-1)).toBe(lost)
      const kept = b.core.session().db.prepare('SELECT cursor FROM sync_state WHERE collection_id = ?').get(lost!.collectionId) as { cursor: number }
      expect(kept.cursor).toBe(lost!.cursor)
      expect(lost!.cursor).toBeGreaterThan(asked.at(-2)!.cursor)

      // the next run goes on from there: every page asked for once, in order, and B ends where A is
      expect((await b.client.call('sync.run', { confirmInitial: true })).error).toBeNull()
      const pulls = proxy.forwarded.filter((r) => r.path.startsWith('/v1/sync/pull')).map((r) => new URL(r.path, 'http://x').searchParams)
      const byScope = new Map<string, number[]>()
      for (const q of pulls) byScope.set(q.get('collectionId') ?? '', [...(byScope.get(q.get('collectionId') ?? '') ?? []), Number(q.get('cursor'))])
      for (const [scope, cursors] of byScope) {
        for (let i = 1; i < cursors.length; i++) expect(cursors[i], `${scope}: ${cursors.join(', ')}`).toBeGreaterThan(cursors[i - 1]!)
      }
      expect(pulls.length).toBeGreaterThan(6)
      expect(state(b)).toEqual(state(a))
      // records split across pages waited in sync_inbox until their last fields came; nothing waits now
      expect(b.core.session().db.prepare('SELECT COUNT(*) AS n FROM sync_inbox').get()).toEqual({ n: 0 })
    }, 60_000)

    it('a conflict the server raises is listed and resolvable; reapply pushes the value again with a new stamp', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const b = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      await connect(a, server.url, 'a')
      await connect(b, server.url, 'b')
      await syncAll([a, b], 1)
      // both issue the active ERP key of the same licence while apart
      const ka = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP a' })
      const kb = await b.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'ERP b' })
      await a.client.call('sync.run', {})
      const run = await b.client.call('sync.run', {})
      expect(run.conflicts).toBe(1)
      const { conflicts } = await b.client.call('sync.conflicts', {})
      expect(conflicts).toHaveLength(1)
      expect(conflicts[0]).toMatchObject({ kind: 'ONE_ACTIVE_KEY', entityId: kb.key.id, resolvedAt: null })
      expect((await b.client.call('sync.status', {})).openConflicts).toBe(1)
      // the server's correction came back: b's key is inactive here too
      expect((await b.client.call('keys.get', { id: kb.key.id })).status).toBe('inactive')
      expect((await b.client.call('keys.verify', { key: kb.secret })).code).toBe('DISABLED')

      // the admin revokes a's key, then reapplies b's
      await a.client.call('keys.revoke', { id: ka.key.id })
      await a.client.call('sync.run', {})
      // before b has pulled that, a's key is still the active one here: refused, nothing recorded anywhere
      const early = await b.client.invoke('sync.resolveConflict', { id: conflicts[0]!.id, resolution: 'reapply' })
      expect(early).toMatchObject({ ok: false, error: { code: 'KEY_ALREADY_EXISTS_FOR_APPLICATION', message: expect.stringContaining('sync first') } })
      expect((await b.client.call('sync.conflicts', {})).conflicts).toMatchObject([{ id: conflicts[0]!.id, resolvedAt: null }])
      expect((await b.client.call('keys.get', { id: kb.key.id })).status).toBe('inactive')
      expect((await b.client.call('sync.status', {})).pending).toBe(0)
      await b.client.call('sync.run', {})
      const resolved = await b.client.call('sync.resolveConflict', { id: conflicts[0]!.id, resolution: 'reapply' })
      expect(resolved).toMatchObject({ resolution: 'reapplied' })
      expect(resolved.resolvedAt).not.toBeNull()
      const again = await b.client.call('sync.run', {})
      expect(again).toMatchObject({ error: null, conflicts: 0, pushed: 1 })
      expect((await b.client.call('sync.status', {})).pending).toBe(0)
      await a.client.call('sync.run', {})
      expect((await a.client.call('keys.verify', { key: kb.secret })).code).toBe('VALID')
      expect((await b.client.call('sync.conflicts', {})).conflicts).toEqual([])
      expect((await b.client.call('sync.conflicts', { includeResolved: true })).conflicts).toHaveLength(1)
      expect(await b.client.invoke('sync.resolveConflict', { id: '0190a8a4-1b2c-7d3e-8f40-123456789abc', resolution: 'keep_server' })).toMatchObject({ ok: false, error: { code: 'CONFLICT_NOT_FOUND' } })
    }, 60_000)

    it('offline edits stay queued and the background scheduler drains them when the server is back', async () => {
      const server = await track(syncServer())
      const proxy = await track(forwardingProxy(server.url))
      const a = await track(desktop({ sync: { intervalMs: 40, maxBackoffMs: 200 } }))
      const b = await track(desktop())
      const placed = await makeLicensedCollection(a.client)
      await connect(a, proxy.url, 'a')
      await connect(b, server.url, 'b')
      await a.client.call('sync.run', { confirmInitial: true })
      proxy.retarget('http://127.0.0.1:9') // the server is gone
      const offline = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: 'erp', name: 'made offline' })
      const run = await a.client.call('sync.run', {})
      expect(run.error).toMatchObject({ code: 'SYNC_UNREACHABLE' })
      const status = await a.client.call('sync.status', {})
      expect(status.online).toBe(false)
      expect(status.pending).toBeGreaterThan(10)
      proxy.retarget(server.url)
      for (let i = 0; i < 200 && (await a.client.call('sync.status', {})).pending > 0; i++) await new Promise((r) => setTimeout(r, 50))
      expect((await a.client.call('sync.status', {})).pending).toBe(0)
      await b.client.call('sync.run', { confirmInitial: true })
      expect((await b.client.call('keys.verify', { key: offline.secret })).code).toBe('VALID')
      // locking stops the scheduler: nothing runs against a closed vault
      await a.client.call('vault.lock', {})
      await new Promise((r) => setTimeout(r, 150))
      expect(await a.client.invoke('sync.status', {})).toMatchObject({ ok: false, error: { code: 'VAULT_LOCKED' } })
    }, 60_000)

    it('the server’s database files and logs never hold a plaintext key, password or token', async () => {
      const server = await track(syncServer())
      const a = await track(desktop())
      const placed = await makeLicensedCollection(a.client, 'platinum')
      const secrets: string[] = []
      for (const kind of ['erp', 'workflow', 'mobile']) {
        const { key, secret } = await a.client.call('keys.create', { collectionId: placed.collection.id, applicationKind: kind, name: kind })
        secrets.push(secret)
        const { user, password } = await a.client.call('users.create', { collectionId: placed.collection.id, keyId: key.id, username: `user-${kind}` })
        secrets.push(password!)
        secrets.push((await a.client.call('tokens.generate', { userId: user.id, clientId: user.clientId, password: password! })).token)
      }
      const rotated = await a.client.call('keys.rotate', { id: (await a.client.call('keys.list', { applicationKind: 'erp' }))[0]!.id })
      secrets.push(rotated.secret)
      await connect(a, server.url, 'a')
      expect((await a.client.call('sync.run', { confirmInitial: true })).error).toBeNull()
      const files = readdirSync(server.t.target.dataDir).filter((f) => statSync(join(server.t.target.dataDir, f)).isFile())
      expect(files.length).toBeGreaterThan(0)
      // the files (SQLite) and every row of the sync tables as the database returns them (PostgreSQL too)
      const rows = await Promise.all(['changes', 'entity_fields', 'ops', 'conflicts', 'server_meta'].map((table) => server.t.target.sql(`SELECT * FROM ${table}`)))
      const haystack = Buffer.concat([...files.map((f) => readFileSync(join(server.t.target.dataDir, f))), Buffer.from(server.t.logs()), Buffer.from(JSON.stringify(rows))])
      for (const secret of secrets) expect(haystack.includes(Buffer.from(secret)), 'a plaintext secret reached the server').toBe(false)
      expect(haystack.includes(Buffer.from(ORG_PASSPHRASE))).toBe(false)
    }, 60_000)
  })
})
