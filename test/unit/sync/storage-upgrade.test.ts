import { cpSync, readdirSync, rmSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../../src/core/logger'
import { formatStamp } from '../../../src/core/store/hlc'
import { createAdmin } from '../../../src/server/accounts/admins'
import { login } from '../../../src/server/accounts/login'
import { DEFAULT_LOGIN_LIMITS } from '../../../src/server/config'
import { openServerStore } from '../../../src/server/store/open-store'
import { opHash, SERVER_NODE } from '../../../src/server/sync/engine'
import { migrationsDir } from '../../../src/server/store/migrations-dir'
import type { SyncOp } from '../../../src/shared/sync'
import { tempDir } from '../../helpers/core'
import { ADMIN, backends, describeName, PASSWORD, startTestServer, testClock, type Target, type TestServer } from '../../helpers/server'
import { opWriter } from '../../helpers/sync'

/**
 * Migration 0007 (slim sync storage) on a server holding data in the form the schema before it
 * stored: an `ops` row for every operation, value, stamp and collection in entity_fields. The
 * rows are written here as that release wrote them. After the upgrade the server holds the
 * same state, answers replays of those operations as before, serves the same log, refuses a
 * reused id, and goes on working.
 */
describe.each(backends)('sync storage upgrades (migrations 0007 to 0010)', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)

    let target: Target
    let t: TestServer | undefined
    let olderMigrations: string
    const latest = readdirSync(migrationsDir(backend.name)).filter((f) => f.endsWith('.sql')).length
    afterEach(async () => {
      await t?.close()
      t = undefined
      await target?.cleanup()
      rmSync(olderMigrations, { recursive: true, force: true })
    })

    const clock = testClock()
    /**
     * A fresh database brought to the schema before migration `version`, with an admin and a
     * device logged in per name; returns the device ids in that order. Only the store and the
     * accounts of this release touch it: its sync engine expects the latest schema.
     */
    const olderRelease = async (version: number, devices: string[]): Promise<string[]> => {
      target = await backend.fresh()
      olderMigrations = tempDir('kw-migrations-')
      cpSync(migrationsDir(backend.name), olderMigrations, { recursive: true, filter: before(version) })
      const logger = createLogger('silent')
      const { store, serverKey } = await openServerStore({ dataDir: target.dataDir, database: target.database, migrationsDir: olderMigrations, logger, now: clock.now })
      try {
        await createAdmin(store, serverKey, clock.now, { username: ADMIN, password: PASSWORD, withTotp: false, actor: 'cli' })
        const deps = { store, serverKey, limits: DEFAULT_LOGIN_LIMITS, deviceTokenTtlDays: 30, now: clock.now, logger }
        const ids: string[] = []
        for (const name of devices) ids.push((await login(deps, { username: ADMIN, password: PASSWORD, deviceName: name, ip: '127.0.0.1' })).device.id)
        expect((await store.driver.appliedMigrations()).length).toBe(version - 1)
        return ids
      } finally {
        await store.close()
      }
    }

    it('keeps the state, the log and the answers to replays of operations stored before it', async () => {
      // the schema of the previous release: migrations up to 0006
      const [deviceId] = await olderRelease(7, ['laptop'])

      // a client, an active licence and a key, plus one operation that arrived stale
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const licence = w.licence(c, client.id)
      const key = w.key(c, licence.id)
      const applied = [...client.ops, ...licence.ops, ...key.ops]
      const stale = w.write('clients', client.id, c, { name: 'an older name' })[0]!
      stale.hlc = '0000000000001-00000-' + w.node
      const at = clock.now().toISOString()
      let seq = 0
      for (const op of applied) {
        seq++
        const value = JSON.stringify(op.value)
        await target.sql('INSERT INTO ops (op_id, device_id, request_hash, received_at, result) VALUES (?, ?, ?, ?, ?)', [op.opId, deviceId, opHash(op), at, 'applied'])
        await target.sql('INSERT INTO changes (seq, collection_id, entity, entity_id, field, value, hlc, origin_device, op_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          seq, op.collectionId, op.entity, op.entityId, op.field, value, op.hlc, deviceId, op.opId, at,
        ])
        await target.sql('INSERT INTO entity_fields (collection_id, entity, entity_id, field, value, hlc, seq) VALUES (?, ?, ?, ?, ?, ?, ?)', [op.collectionId, op.entity, op.entityId, op.field, value, op.hlc, seq])
      }
      await target.sql('INSERT INTO ops (op_id, device_id, request_hash, received_at, result) VALUES (?, ?, ?, ?, ?)', [stale.opId, deviceId, opHash(stale), at, 'stale'])
      if (backend.name === 'postgres') await target.sql(`SELECT setval('changes_seq_seq', ${seq})`)

      // the upgrade: the same data directory or database, every migration
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      const device = await t.token('after the upgrade')
      const push = async (ops: SyncOp[]) => {
        const r = await t!.request('POST', '/v1/sync/push', { token: device, body: { ops } })
        expect(r.status, JSON.stringify(r.body)).toBe(200)
        return (r.body.value as { outcomes: { opId: string; status: string }[] }).outcomes
      }
      const pull = async () => {
        const r = await t!.request('GET', '/v1/sync/pull?cursor=0&limit=5000', { token: device })
        expect(r.status).toBe(200)
        return r.body.value.changes as { seq: number; entityId: string; field: string; value: unknown; hlc: string }[]
      }
      expect((await t.request('GET', '/readyz')).body.value.migrations).toBe(latest)
      // the log and the state as stored
      const log = await pull()
      expect(log.map((x) => [x.seq, x.entityId, x.field, x.value, x.hlc])).toEqual(applied.map((op, i) => [i + 1, op.entityId, op.field, op.value, op.hlc]))
      expect(t.server.sync.fields('clients', client.id)?.get('name')).toBe(client.ops[0]!.value)
      const gw = (await t.request('POST', '/v1/gateway-tokens', { token: device, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token as string
      const verify = async (plaintext: string) => (await t!.request('POST', '/v1/keys/verify', { token: gw, body: { key: plaintext } })).body.value.code as string
      expect(await verify(key.plaintext)).toBe('VALID')

      // replays of the stored operations: the same answers, nothing applied again
      expect(await push([...applied, stale])).toEqual([...applied.map((op) => ({ opId: op.opId, status: 'applied' })), { opId: stale.opId, status: 'stale' }])
      expect(await pull()).toEqual(log)
      // a reused id of a stored operation is refused
      const reused = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: [{ ...applied[0]!, value: 'another name' }] } })
      expect([reused.status, reused.body.error.code]).toEqual([422, 'OP_ID_REUSED'])

      // new work: an applied op is recorded by its change row alone, and a replay of it is answered the same
      const opsRows = async () => Number((await target.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM ops'))[0]!.n)
      const rowsBefore = await opsRows()
      w.tick(1000)
      const revoke = w.write('api_keys', key.id, c, { status: 'revoked' })
      expect(await push(revoke)).toEqual([{ opId: revoke[0]!.opId, status: 'applied' }])
      expect(await push(revoke)).toEqual([{ opId: revoke[0]!.opId, status: 'applied' }])
      expect(await opsRows()).toBe(rowsBefore)
      expect(await verify(key.plaintext)).toBe('REVOKED')
      const after = await pull()
      expect(after.slice(0, log.length)).toEqual(log)
      expect(after.slice(log.length).map((x) => [x.seq, x.field, x.value])).toEqual([[log.length + 1, 'status', 'revoked']])

      // a restart rebuilds the same state from the slimmer entity_fields
      await t.close()
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      expect(t.server.sync.fields('api_keys', key.id)?.get('status')).toBe('revoked')
      expect(t.server.sync.fields('clients', client.id)?.get('name')).toBe(client.ops[0]!.value)
      expect(t.server.sync.index.verify(key.plaintext).code).toBe('REVOKED')
    })

    it('0008 keeps which device sent each change and when, the server\'s own corrections included', async () => {
      // the schema of the previous release: migrations up to 0007
      const [laptop, desktop] = (await olderRelease(8, ['laptop', 'desktop'])) as [string, string]

      // as that release stored them: the laptop's batch, then the desktop's batch at another
      // time whose key broke the one-active-key rule (the server's correction: no device, no
      // op id), then a desktop batch received in the same millisecond as the laptop's
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const licence = w.licence(c, client.id)
      const key = w.key(c, licence.id)
      const t1 = '2026-03-01T12:00:00.000Z'
      const t2 = '2026-03-01T12:05:00.000Z'
      const notes = w.write('clients', client.id, c, { notes: 'same millisecond' })
      // stamped after everything the writer has stamped so far, as the server stamps a correction
      const correction = { field: 'status', value: 'inactive', hlc: formatStamp(Date.parse('2026-03-01T12:00:00.500Z'), 0, SERVER_NODE) }
      const refused = key.ops.find((op) => op.field === 'status')!
      const conflictId = randomUUID()
      const stored: { op?: SyncOp; row: [string, string, string, string, string, string, string | null, string | null, string] }[] = [
        ...[...client.ops, ...licence.ops].map((op) => ({ op, row: rowOf(op, laptop, t1) })),
        ...key.ops.map((op) => ({ op, row: rowOf(op, desktop, t2) })),
        { row: [c, 'api_keys', key.id, correction.field, JSON.stringify(correction.value), correction.hlc, null, null, t2] },
        ...notes.map((op) => ({ op, row: rowOf(op, desktop, t1) })),
      ]
      let seq = 0
      for (const { row } of stored) {
        seq++
        await target.sql('INSERT INTO changes (seq, collection_id, entity, entity_id, field, value, hlc, origin_device, op_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [seq, ...row.slice(0, 6), row[6], row[7], row[8]])
        await target.sql(
          'INSERT INTO entity_fields (entity, entity_id, field, seq) VALUES (?, ?, ?, ?) ON CONFLICT (entity, entity_id, field) DO UPDATE SET seq = excluded.seq',
          [row[1], row[2], row[3], seq],
        )
      }
      await target.sql('INSERT INTO ops (op_id, device_id, request_hash, received_at, result) VALUES (?, ?, ?, ?, ?)', [refused.opId, desktop, opHash(refused), t2, `conflict ${conflictId}`])
      if (backend.name === 'postgres') await target.sql(`SELECT setval('changes_seq_seq', ${seq})`)

      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      expect((await t.request('GET', '/readyz')).body.value.migrations).toBe(latest)
      // 0009: entity_fields, written by every push until then, is complete to the end of the log
      expect((await target.sql<{ value: string }>("SELECT value FROM server_meta WHERE key = 'sync_fields_through'"))[0]!.value).toBe(String(stored.length))
      // every change still names its device (none for the correction) and its time, through its batch
      const after = await target.sql<{ seq: number | string; op_id: string | null; device_id: string | null; received_at: string; push_id: number | string }>(
        'SELECT c.seq, c.op_id, p.device_id, p.received_at, c.push_id FROM changes c JOIN pushes p ON p.id = c.push_id ORDER BY c.seq',
      )
      expect(after.map((r) => [Number(r.seq), r.op_id, r.device_id, r.received_at])).toEqual(stored.map(({ row }, i) => [i + 1, row[7], row[6], row[8]]))
      // one batch per (device, time), numbered in log order
      expect(after.map((r) => Number(r.push_id))).toEqual(stored.map(({ row }) => (row[8] === t1 ? (row[6] === laptop ? 1 : 4) : row[6] === desktop ? 2 : 3)))
      expect(Number((await target.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM pushes'))[0]!.n)).toBe(4)

      // the state, the log and the answers to replays are the stored ones
      const device = await t.token('after the upgrade')
      expect(t.server.sync.fields('api_keys', key.id)?.get('status')).toBe('inactive')
      const replay = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: [...client.ops, ...key.ops] } })
      expect(replay.body.value.outcomes).toEqual([...client.ops, ...key.ops].map((op) => (op === refused ? { opId: op.opId, status: 'conflict', conflictId } : { opId: op.opId, status: 'applied' })))
      expect(Number((await target.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM changes'))[0]!.n)).toBe(stored.length)
      // new work is recorded in a batch of its own, after the upgraded ones
      w.tick(1000)
      const revoke = w.write('api_keys', key.id, c, { status: 'revoked' })
      const r = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: revoke } })
      expect(r.body.value.outcomes, JSON.stringify(r.body)).toEqual([{ opId: revoke[0]!.opId, status: 'applied' }])
      const [last] = await target.sql<{ device_id: string; push_id: number | string }>('SELECT p.device_id, c.push_id FROM changes c JOIN pushes p ON p.id = c.push_id ORDER BY c.seq DESC LIMIT 1')
      expect(Number(last!.push_id)).toBe(5)
      expect(last!.device_id).toBe((await target.sql<{ id: string }>("SELECT id FROM devices WHERE name = 'after the upgrade'"))[0]!.id)
    })

    it('0010 numbers each collection once and keeps the collection of every change', async () => {
      // the schema of the previous release: migrations up to 0009
      const [laptop] = (await olderRelease(10, ['laptop'])) as [string]

      // two collections, their records interleaved in the log as that release stored them
      const w = opWriter()
      const [first, second] = [randomUUID(), randomUUID()]
      const a = w.client(first)
      const b = w.client(second)
      const la = w.licence(first, a.id)
      const ka = w.key(first, la.id)
      const ops = [...a.ops, ...b.ops, ...la.ops, ...ka.ops]
      const push = Number((await target.sql<{ id: number | string }>("INSERT INTO pushes (device_id, received_at) VALUES (?, '2026-03-01T12:00:00.000Z') RETURNING id", [laptop]))[0]!.id)
      let seq = 0
      for (const op of ops) {
        seq++
        await target.sql('INSERT INTO changes (seq, collection_id, entity, entity_id, field, value, hlc, op_id, push_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          seq, op.collectionId, op.entity, op.entityId, op.field, JSON.stringify(op.value), op.hlc, op.opId, push,
        ])
      }
      // the first half folded into entity_fields, the rest replayed from the log on start
      const half = Math.floor(seq / 2)
      await target.sql('INSERT INTO entity_fields (entity, entity_id, field, seq) SELECT entity, entity_id, field, MAX(seq) FROM changes WHERE seq <= ? GROUP BY entity, entity_id, field', [half])
      await target.sql("UPDATE server_meta SET value = ? WHERE key = 'sync_fields_through'", [String(half)])
      if (backend.name === 'postgres') await target.sql(`SELECT setval('changes_seq_seq', ${seq})`)

      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      expect((await t.request('GET', '/readyz')).body.value.migrations).toBe(latest)
      // one number per collection, in the order the log first names them
      const numbers = await target.sql<{ n: number; id: string }>('SELECT n, id FROM sync_collections ORDER BY n')
      expect(numbers.map((r) => r.id)).toEqual([first, second])
      const columns = await target.sql<{ n: number | string }>(
        backend.name === 'sqlite'
          ? "SELECT COUNT(*) AS n FROM pragma_table_info('changes') WHERE name = 'collection_id'"
          : "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_name = 'changes' AND column_name = 'collection_id'",
      )
      expect(Number(columns[0]!.n)).toBe(0)

      // every change pulls with its own collection, in the same order; a pull of one collection has only its changes
      const device = await t.token('after the upgrade')
      const pull = async (collection?: string) => {
        const r = await t!.request('GET', `/v1/sync/pull?cursor=0&limit=5000${collection ? `&collectionId=${collection}` : ''}`, { token: device })
        expect(r.status, JSON.stringify(r.body)).toBe(200)
        return (r.body.value.changes as { seq: number; collectionId: string; entityId: string; field: string; value: unknown; hlc: string }[]).map((x) => [x.seq, x.collectionId, x.entityId, x.field, x.value, x.hlc])
      }
      const expected = ops.map((op, i) => [i + 1, op.collectionId, op.entityId, op.field, op.value, op.hlc])
      expect(await pull()).toEqual(expected)
      expect(await pull(second)).toEqual(expected.filter((x) => x[1] === second))
      expect(t.server.sync.collectionOf('api_keys', ka.id)).toBe(first)
      expect(t.server.sync.collectionOf('clients', b.id)).toBe(second)

      // replays are answered as applied; a new collection gets the next number, an old one keeps its own
      const replay = await t.request('POST', '/v1/sync/push', { token: device, body: { ops } })
      expect(replay.body.value.outcomes).toEqual(ops.map((op) => ({ opId: op.opId, status: 'applied' })))
      const third = randomUUID()
      w.tick(1000)
      const c = w.client(third)
      const more = [...c.ops, ...w.write('clients', b.id, second, { notes: 'after the upgrade' })]
      const r = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: more } })
      expect(r.body.value.outcomes, JSON.stringify(r.body)).toEqual(more.map((op) => ({ opId: op.opId, status: 'applied' })))
      expect((await target.sql<{ n: number; id: string }>('SELECT n, id FROM sync_collections ORDER BY n')).map((x) => [Number(x.n), x.id])).toEqual([[1, first], [2, second], [3, third]])
      const after = await pull()
      expect(after.slice(0, expected.length)).toEqual(expected)
      expect(after.slice(expected.length).map((x) => x[1])).toEqual(more.map((op) => op.collectionId))

      // a restart rebuilds the same records in the same collections
      await t.close()
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      expect(t.server.sync.collectionOf('clients', c.id)).toBe(third)
      expect(t.server.sync.fields('clients', b.id)?.get('notes')).toBe('after the upgrade')
      expect(t.server.sync.index.verify(ka.plaintext).code).toBe('VALID')
    })
  })
})

/** A change row of the schema before migration 0008, for `op` sent by `device` at `at`. */
function rowOf(op: SyncOp, device: string, at: string): [string, string, string, string, string, string, string | null, string | null, string] {
  return [op.collectionId, op.entity, op.entityId, op.field, JSON.stringify(op.value), op.hlc, device, op.opId, at]
}

/** A copy filter keeping the migrations numbered below `version`: the schema of the release before it. */
function before(version: number) {
  return (src: string) => {
    const numbered = /(\d{4})_[^/\\]*\.sql$/.exec(src)
    return !numbered || Number(numbered[1]) < version
  }
}
