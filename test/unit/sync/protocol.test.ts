import { randomUUID } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addAdmin, backends, describeName, startTestServer, testClock, type Target, type TestServer } from '../../helpers/server'
import { opWriter } from '../../helpers/sync'
import type { SyncOp } from '../../../src/shared/sync'
import type { SqlValue } from '../../../src/server/store/sql-driver'
import { SyncPullResult, SyncPushResult } from '../../../src/shared/server-api'
import { opHash } from '../../../src/server/sync/engine'

describe.each(backends)('sync protocol', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)

    let t: TestServer
    let target: Target
    let device: string
    afterEach(async () => {
      await t?.close()
      await target?.cleanup()
    })
    const start = async () => {
      target = await backend.fresh()
      t = await startTestServer(target, { now: testClock().now, syncTailMs: 0 })
      await addAdmin(t)
      device = await t.token()
    }
    const pushRaw = (body: unknown) => t.request('POST', '/v1/sync/push', { token: device, body })
    const push = async (ops: SyncOp[], answer?: 'exceptions') => {
      const r = await pushRaw(answer ? { ops, answer } : { ops })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      // the server skips its run-time answer check on this hot route: the answer must still fit the schema
      expect(SyncPushResult.safeParse(r.body.value).success, JSON.stringify(r.body.value)).toBe(true)
      return r.body.value as { outcomes: { opId: string; status: string; conflictId?: string }[]; applied?: number; cursor: number }
    }
    const pullAll = async (collectionId?: string) => {
      const out: { seq: number; entityId: string; field: string; value: unknown; hlc: string }[] = []
      let cursor = 0
      for (;;) {
        const r = await t.request('GET', `/v1/sync/pull?cursor=${cursor}&limit=3${collectionId ? `&collectionId=${collectionId}` : ''}`, { token: device })
        expect(r.status).toBe(200)
        expect(SyncPullResult.safeParse(r.body.value).success, JSON.stringify(r.body.value)).toBe(true)
        out.push(...r.body.value.changes)
        cursor = r.body.value.next
        if (!r.body.value.more) return out
      }
    }
    const count = async (table: string) => Number((await target.sql<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n)
    /** Operations the server has recorded as received: an applied one by its change row, any other in ops. */
    const received = async () => count('(SELECT op_id FROM ops UNION SELECT op_id FROM changes WHERE op_id IS NOT NULL) AS received')

    it('pulls every value exactly as it was pushed, whatever characters it holds', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const values = {
        notes: 'quotes " and \\ backslashes, \n newlines, \u2028 separators, </script>, émoji 🔑, nul \u0000',
        deleted_at: null,
      }
      const edit = w.write('clients', client.id, c, values)
      const key = w.key(c, randomUUID(), { permissions: ['rest.orders.read', 'soap "quoted"', ''], allowed_ips: [], rate_limit_per_minute: 7 })
      await push([...client.ops, ...edit, ...key.ops])
      const pulled = await pullAll(c)
      const last = (entityId: string, field: string) => pulled.filter((x) => x.entityId === entityId && x.field === field).at(-1)?.value
      for (const [field, value] of Object.entries(values)) expect(last(client.id, field), field).toEqual(value)
      expect(last(key.id, 'permissions')).toEqual(['rest.orders.read', 'soap "quoted"', ''])
      expect(last(key.id, 'allowed_ips')).toEqual([])
      expect(last(key.id, 'rate_limit_per_minute')).toBe(7)
      // the same ops, pulled, are the ops pushed (values and stamps)
      const sent = [...client.ops, ...edit, ...key.ops]
      expect(pulled.map((x) => [x.entityId, x.field, x.value, x.hlc])).toEqual(sent.map((o) => [o.entityId, o.field, o.value, o.hlc]))
    })

    it('applies each operation at most once; a replayed batch gets the same answer', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const first = await push(client.ops)
      expect(first.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied'])
      const again = await push(client.ops)
      expect(again.outcomes).toEqual(first.outcomes)
      expect(await count('changes')).toBe(3)
      expect(await received()).toBe(3)
      // applied: the change rows are the record, nothing in ops
      expect(await count('ops')).toBe(0)
      // one more new op beside replayed ones
      const more = w.write('clients', client.id, c, { notes: 'vip' })
      const mixed = await push([...client.ops, ...more])
      expect(mixed.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied'])
      expect(await count('changes')).toBe(4)
      // who sent each change, and when, is its batch's: one push row per batch that changed
      // something (the replay alone wrote none), naming this device
      const [{ id: deviceId }] = (await target.sql<{ id: string }>('SELECT id FROM devices')) as [{ id: string }]
      const provenance = await target.sql<{ op_id: string; push_id: number | string; device_id: string; received_at: string }>(
        'SELECT c.op_id, c.push_id, p.device_id, p.received_at FROM changes c JOIN pushes p ON p.id = c.push_id ORDER BY c.seq',
      )
      expect(provenance.map((r) => [r.op_id, Number(r.push_id), r.device_id])).toEqual([
        ...client.ops.map((op) => [op.opId, 1, deviceId]),
        [more[0]!.opId, 2, deviceId],
      ])
      expect(await count('pushes')).toBe(2)
      expect(provenance.every((r) => !Number.isNaN(Date.parse(r.received_at)))).toBe(true)
      // an answer stored in the earlier forms (before migration 0007 every op had its ops row,
      // first holding the outcome's JSON) is still given back as it was
      const old = first.outcomes[1]!
      await target.sql('INSERT INTO ops (op_id, device_id, request_hash, received_at, result) VALUES (?, ?, ?, ?, ?)', [
        old.opId,
        deviceId,
        opHash(client.ops[1]!),
        provenance[1]!.received_at,
        JSON.stringify({ opId: old.opId, status: 'stale' }),
      ])
      expect((await push(client.ops)).outcomes).toEqual([first.outcomes[0], { opId: old.opId, status: 'stale' }, first.outcomes[2]])
    })

    it('answers only the ops it did not apply when asked for exceptions, and counts the applied ones', async () => {
      await start()
      const a = opWriter('aaaaaaaa')
      const b = opWriter('bbbbbbbb')
      const c = randomUUID()
      const client = a.client(c)
      const licence = a.licence(c, client.id)
      const first = a.key(c, licence.id)
      const exceptions = (ops: SyncOp[]) => push(ops, 'exceptions')
      const all = [...client.ops, ...licence.ops, ...first.ops]
      const applied = await exceptions(all)
      expect(applied).toEqual({ outcomes: [], applied: all.length, cursor: expect.any(Number) as number })
      // a replay gets the same answer in either form
      expect(await exceptions(all)).toEqual(applied)
      expect((await push(all)).outcomes.map((o) => o.status)).toEqual(all.map(() => 'applied'))
      // a batch with a stale op (an older write) and a conflict (a second active key for the slot)
      a.tick(10)
      const newer = a.write('clients', client.id, c, { notes: 'newer' })
      await push(newer)
      b.tick(5)
      const older = b.write('clients', client.id, c, { notes: 'older' })
      const second = opWriter('dddddddd').key(c, licence.id)
      const mixed = [...older, ...second.ops]
      const answer = await exceptions(mixed)
      const each = (await push(mixed)).outcomes
      expect(each).toHaveLength(mixed.length)
      expect(answer.outcomes).toEqual(each.filter((o) => o.status !== 'applied'))
      expect(answer.outcomes.map((o) => o.status).sort()).toEqual(['conflict', 'stale'])
      expect(answer.applied).toBe(mixed.length - 2)
      expect((await pushRaw({ ops: mixed, answer: 'some' })).body.error.code).toBe('INVALID_INPUT')
    })

    it('refuses an operation id reused with another body (422 OP_ID_REUSED) and applies nothing of that batch', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      await push(client.ops)
      const fresh = w.write('clients', client.id, c, { notes: 'new' })
      const reused = { ...client.ops[0]!, value: 'another name' }
      const r = await pushRaw({ ops: [...fresh, reused] })
      expect([r.status, r.body.error.code]).toEqual([422, 'OP_ID_REUSED'])
      // any part of an applied op differing is another op (its change row is compared with it)
      const original = client.ops[0]!
      for (const other of [
        { ...original, hlc: w.stamp() },
        { ...original, field: 'notes' },
        { ...original, entityId: randomUUID() },
        { ...original, collectionId: randomUUID() },
        { ...original, entity: 'key_groups' as const, field: 'name' },
        { ...original, value: ['a list'] },
      ]) {
        const again = await pushRaw({ ops: [other] })
        expect([again.status, again.body.error?.code], JSON.stringify(other)).toEqual([422, 'OP_ID_REUSED'])
      }
      const inBatch = await pushRaw({ ops: [fresh[0], { ...fresh[0]!, value: 'other' }] })
      expect([inBatch.status, inBatch.body.error.code]).toEqual([422, 'OP_ID_REUSED'])
      expect(await count('changes')).toBe(3)
      expect(await received()).toBe(3)
    })

    it('tells replays and reused ids apart however the op ids spread, and beyond what one range lookup reads', async () => {
      await start()
      // 400 clients (1 200 ops): half with time-ordered op ids as a desktop makes them (UUIDv7,
      // found by one range of the op-id index), half with random ones (UUIDv4, spread across
      // the index: looked up id by id once a range holds more than a thousand rows)
      const w = opWriter()
      const c = randomUUID()
      const clients = Array.from({ length: 400 }, (_, i) => {
        const client = w.client(c)
        return i < 200 ? { ...client, ops: client.ops.map((op) => ({ ...op, opId: uuidv7() })) } : client
      })
      const applied = clients.flatMap((x) => x.ops)
      // then the same fields written earlier by another desktop: 1 200 stale answers, kept in ops
      const earlier = opWriter(randomUUID(), Date.parse('2026-01-01T00:00:00.000Z'))
      const stale = clients.flatMap((x) => earlier.write('clients', x.id, c, { name: 'older', tier: 'blue', created_at: '2025-12-31T00:00:00.000Z' }))
      const inBatches = async (ops: SyncOp[]) => {
        const out: { opId: string; status: string }[] = []
        for (let i = 0; i < ops.length; i += 600) out.push(...(await push(ops.slice(i, i + 600))).outcomes)
        return out
      }
      const first = await inBatches([...applied, ...stale])
      expect(first.map((o) => o.status)).toEqual([...applied.map(() => 'applied'), ...stale.map(() => 'stale')])
      expect([await count('changes'), await count('ops')]).toEqual([1200, 1200])
      // replays, in the same batches and shuffled across them, get the same answers and write nothing
      expect(await inBatches([...applied, ...stale])).toEqual(first)
      const answers = new Map(first.map((o) => [o.opId, o]))
      const shuffled = [...applied, ...stale].sort((a, b) => a.hlc.localeCompare(b.hlc) || a.opId.localeCompare(b.opId)).reverse()
      expect(await inBatches(shuffled)).toEqual(shuffled.map((op) => answers.get(op.opId)))
      expect([await count('changes'), await count('ops')]).toEqual([1200, 1200])
      // an id of any of them reused with another body is refused, whichever table holds it
      for (const op of [applied[5]!, applied[1000]!, stale[5]!, stale[1000]!]) {
        const others = applied.slice(0, 599).filter((x) => x.opId !== op.opId)
        const r = await pushRaw({ ops: [...others, { ...op, hlc: w.stamp() }] })
        expect([r.status, r.body.error?.code], op.opId).toEqual([422, 'OP_ID_REUSED'])
      }
      expect([await count('changes'), await count('ops')]).toEqual([1200, 1200])
    })

    it('merges per field by HLC: an older write loses, whichever arrives last', async () => {
      await start()
      const a = opWriter('aaaaaaaa')
      const b = opWriter('bbbbbbbb')
      const c = randomUUID()
      const client = a.client(c)
      await push(client.ops)
      a.tick(10)
      const newer = a.write('clients', client.id, c, { notes: 'from A (newer)' })
      b.tick(5)
      const older = b.write('clients', client.id, c, { notes: 'from B (older)', name: 'renamed by B' })
      expect((await push(newer)).outcomes[0]!.status).toBe('applied')
      const r = await push(older)
      expect(r.outcomes.map((o) => o.status)).toEqual(['stale', 'applied'])
      await t.server.sync.fold()
      const fields = await target.sql<{ field: string; value: string }>("SELECT f.field, c.value FROM entity_fields f JOIN changes c ON c.seq = f.seq WHERE f.entity = 'clients' ORDER BY f.field")
      expect(Object.fromEntries(fields.map((f) => [f.field, JSON.parse(f.value)]))).toMatchObject({ notes: 'from A (newer)', name: 'renamed by B' })
    })

    it('keeps tombstones and revocations over later edits', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const licence = w.licence(c, client.id)
      const key = w.key(c, licence.id)
      await push([...client.ops, ...licence.ops, ...key.ops])
      const revoke = w.write('api_keys', key.id, c, { status: 'revoked' })
      const later = opWriter('cccccccc')
      later.tick(60_000)
      const edit = later.write('api_keys', key.id, c, { status: 'active' })
      // the edit has the later stamp, and arrives first
      expect((await push(edit)).outcomes[0]!.status).toBe('applied')
      expect((await push(revoke)).outcomes[0]!.status).toBe('applied')
      await t.server.sync.fold()
      const [status] = await target.sql<{ value: string }>("SELECT c.value FROM entity_fields f JOIN changes c ON c.seq = f.seq WHERE f.entity = 'api_keys' AND f.field = 'status'")
      expect(JSON.parse(status!.value)).toBe('revoked')
      await push(w.write('clients', client.id, c, { deleted_at: '2026-03-01T12:00:00.000Z' }))
      later.tick(1000)
      expect((await push(later.write('clients', client.id, c, { deleted_at: null }))).outcomes[0]!.status).toBe('stale')
    })

    it('re-checks one active key per licence and application: the second comes back as a conflict, corrected for everyone', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c)
      const licence = w.licence(c, client.id)
      const first = w.key(c, licence.id)
      await push([...client.ops, ...licence.ops, ...first.ops])
      const other = opWriter('dddddddd')
      const second = other.key(c, licence.id)
      const r = await push(second.ops)
      const conflicted = r.outcomes.filter((o) => o.status === 'conflict')
      expect(conflicted).toHaveLength(1)
      // a replay gets the same answers, the conflict's id included
      expect((await push(second.ops)).outcomes).toEqual(r.outcomes)
      const list = await t.request('GET', `/v1/sync/conflicts?collectionId=${c}`, { token: device })
      expect(list.body.value.conflicts).toEqual([expect.objectContaining({ id: conflicted[0]!.conflictId, kind: 'ONE_ACTIVE_KEY', entityId: second.id, resolvedAt: null, proposedValue: 'active', currentValue: 'inactive' })])
      // the correction is in the change log with a later stamp, so pulling replicas converge on it
      const changes = await pullAll(c)
      const statuses = changes.filter((x) => x.entityId === second.id && x.field === 'status')
      expect(statuses.at(-1)!.value).toBe('inactive')
      expect(statuses.at(-1)!.hlc > statuses[0]!.hlc).toBe(true)
      // the correction is the server's own (no op id), written in the push batch it answered
      const written = await target.sql<{ field: string; op_id: string | null; push_id: number | string }>('SELECT field, op_id, push_id FROM changes WHERE entity_id = ? ORDER BY seq', [second.id])
      expect(written.filter((x) => x.op_id === null).map((x) => x.field)).toEqual(['status'])
      expect(new Set(written.map((x) => Number(x.push_id)))).toEqual(new Set([2]))
      const gw = (await t.request('POST', '/v1/gateway-tokens', { token: device, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token
      expect((await t.request('POST', '/v1/keys/verify', { token: gw, body: { key: second.plaintext } })).body.value.code).toBe('DISABLED')
      expect((await t.request('POST', '/v1/keys/verify', { token: gw, body: { key: first.plaintext } })).body.value.code).toBe('VALID')
      const resolved = await t.request('POST', `/v1/sync/conflicts/${conflicted[0]!.conflictId}/resolve`, { token: device, body: { resolution: 'kept_server' } })
      expect(resolved.body.value.resolution).toBe('kept_server')
      expect((await t.request('GET', `/v1/sync/conflicts`, { token: device })).body.value.conflicts).toEqual([])
      expect((await t.request('POST', `/v1/sync/conflicts/${randomUUID()}/resolve`, { token: device, body: { resolution: 'kept_server' } })).body.error.code).toBe('CONFLICT_NOT_FOUND')
    })

    it('re-checks tier limits: a blue client gets one active licence', async () => {
      await start()
      const w = opWriter()
      const client = w.client(randomUUID(), 'blue')
      const c1 = randomUUID()
      const c2 = randomUUID()
      await push([...client.ops, ...w.licence(c1, client.id).ops])
      const l2 = w.licence(c2, client.id)
      const r = await push(l2.ops)
      expect(r.outcomes.filter((o) => o.status === 'conflict')).toHaveLength(1)
      const conflicts = (await t.request('GET', '/v1/sync/conflicts', { token: device })).body.value.conflicts
      expect(conflicts).toEqual([expect.objectContaining({ kind: 'TIER_LIMIT', entityId: l2.id })])
      expect(await count('conflicts')).toBe(1)
    })

    it('re-checks the rules on whichever field completes or moves a key’s slot or a licence’s client', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const client = w.client(c, 'blue')
      const licence = w.licence(c, client.id)
      await push([...client.ops, ...licence.ops, ...w.key(c, licence.id).ops])
      /** The ops with `field` moved to the end; the answer for each op, and the conflict's op. */
      const last = (ops: SyncOp[], field: string) => [...ops.filter((o) => o.field !== field), ...ops.filter((o) => o.field === field)]
      const conflictOn = async (ops: SyncOp[]) => {
        const r = await push(ops)
        const refused = r.outcomes.filter((o) => o.status === 'conflict')
        expect(refused, JSON.stringify(r.outcomes)).toHaveLength(1)
        expect(r.outcomes.filter((o) => o.status === 'applied')).toHaveLength(ops.length - 1)
        return ops.find((o) => o.opId === refused[0]!.opId)!.field
      }
      // a second erp key whose licence, or whose application, is the last field to arrive
      expect(await conflictOn(last(w.key(c, licence.id).ops, 'licence_id'))).toBe('licence_id')
      expect(await conflictOn(last(w.key(c, licence.id).ops, 'application_id'))).toBe('application_id')
      // a mobile key, then moved to the erp application
      const mobile = w.key(c, licence.id, { application_id: 'mobile' })
      expect((await push(mobile.ops)).outcomes.every((o) => o.status === 'applied')).toBe(true)
      w.tick()
      expect(await conflictOn(w.write('api_keys', mobile.id, c, { application_id: 'erp' }))).toBe('application_id')
      // a second active licence of the blue client whose client is the last field to arrive
      const c2 = randomUUID()
      expect(await conflictOn(last(w.licence(c2, client.id).ops, 'client_id'))).toBe('client_id')
      // a gold client with two active licences cannot become blue: the tier goes back to gold
      const gold = w.client(randomUUID(), 'gold')
      await push([...gold.ops, ...w.licence(randomUUID(), gold.id).ops, ...w.licence(randomUUID(), gold.id).ops])
      w.tick()
      expect(await conflictOn(w.write('clients', gold.id, c, { tier: 'blue' }))).toBe('tier')
      const tiers = (await pullAll()).filter((x) => x.entityId === gold.id && x.field === 'tier')
      expect(tiers.map((x) => x.value)).toEqual(['gold', 'blue', 'gold'])
      const kinds = ((await t.request('GET', '/v1/sync/conflicts', { token: device })).body.value.conflicts as { kind: string }[]).map((x) => x.kind)
      expect(kinds.sort()).toEqual(['ONE_ACTIVE_KEY', 'ONE_ACTIVE_KEY', 'ONE_ACTIVE_KEY', 'TIER_LIMIT', 'TIER_LIMIT'])
    })

    it('pages the change log after a cursor, per collection', async () => {
      await start()
      const w = opWriter()
      const c1 = randomUUID()
      const c2 = randomUUID()
      await push([...w.client(c1).ops, ...w.client(c2).ops, ...w.client(c1).ops])
      const all = await pullAll()
      expect(all.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
      const only = await pullAll(c2)
      expect(only).toHaveLength(3)
      const after = await t.request('GET', '/v1/sync/pull?cursor=9', { token: device })
      expect(after.body.value).toEqual({ changes: [], next: 9, more: false })
    })

    it('reads the next full page ahead for the pull to come, and answers from the log as it stands', async () => {
      await start()
      const w = opWriter()
      const c1 = randomUUID()
      const c2 = randomUUID()
      // counts the page reads the engine runs, read ahead or asked for
      const queries = t.server.store.driver.queries
      const all = queries.all.bind(queries)
      let pageReads = 0
      queries.all = <T,>(sql: string, params?: SqlValue[]) => {
        if (sql.includes(' AS j FROM changes ')) pageReads++
        return all<T>(sql, params)
      }
      const reads = async (n: number) => {
        for (let i = 0; i < 250 && pageReads < n; i++) await new Promise((r) => setTimeout(r, 20))
        expect(pageReads).toBe(n)
      }
      const page = async (cursor: number, collectionId?: string) => {
        const r = await t.request('GET', `/v1/sync/pull?cursor=${cursor}&limit=3${collectionId ? `&collectionId=${collectionId}` : ''}`, { token: device })
        expect(r.status).toBe(200)
        const value = r.body.value as { changes: { seq: number }[]; next: number; more: boolean }
        return { seqs: value.changes.map((x) => x.seq), next: value.next, more: value.more }
      }
      const client1 = w.client(c1)
      await push([...client1.ops, ...w.client(c2).ops, ...w.client(c1).ops])
      expect(await page(0)).toEqual({ seqs: [1, 2, 3], next: 3, more: true })
      await reads(2) // the page after 3 is read ahead
      // not the page read ahead: that one is of the whole log, this of one collection
      expect(await page(3, c1)).toEqual({ seqs: [7, 8, 9], next: 9, more: false })
      await reads(3)
      // the page read ahead (no read of its own), then the one after it is read ahead
      expect(await page(3)).toEqual({ seqs: [4, 5, 6], next: 6, more: true })
      await reads(4)
      // a change after the page read ahead: it is answered that more follows
      await push(w.write('clients', client1.id, c1, { name: 'renamed' }))
      expect(await page(6)).toEqual({ seqs: [7, 8, 9], next: 9, more: true })
      await reads(5) // the page after 9 is read ahead, and is not full
      await push(w.write('clients', client1.id, c1, { name: 'again', tier: 'gold', notes: 'n' }))
      // so it was not kept: the page holds what came since
      expect(await page(9)).toEqual({ seqs: [10, 11, 12], next: 12, more: true })
      await reads(7)
      expect(await page(12)).toEqual({ seqs: [13], next: 13, more: false })
      await reads(8)
    })

    it('refuses bad input with a coded 4xx and changes nothing', async () => {
      await start()
      const w = opWriter()
      const c = randomUUID()
      const good = w.client(c).ops[0]!
      const bad: unknown[] = [
        {},
        { ops: [] },
        { ops: [{ ...good, field: 'use_count' }] },
        { ops: [{ ...good, entity: 'audit_log' }] },
        { ops: [{ ...good, extra: 1 }] },
        { ops: [{ ...good, hlc: 'yesterday' }] },
        { ops: [{ ...good, opId: 'not-a-uuid' }] },
        { ops: [{ ...good, value: { nested: true } }] },
        { ops: [good], more: true },
        { ops: Array.from({ length: 1001 }, () => good) },
        { ops: [{ ...good, entity: 'api_keys', field: 'digest', value: 'zz' }] },
        { ops: [{ ...good, entity: 'api_keys', field: 'allowed_ips', value: ['not an ip'] }] },
        { ops: [{ ...good, entity: 'api_keys', field: 'status', value: 'sort of' }] },
        { ops: [{ ...good, entity: 'clients', field: 'tier', value: 'diamond' }] },
      ]
      for (const body of bad) {
        const r = await pushRaw(body)
        expect(r.status, JSON.stringify(body).slice(0, 200)).toBeGreaterThanOrEqual(400)
        expect(r.status).toBeLessThan(500)
        expect(typeof r.body.error.code).toBe('string')
      }
      const big = await pushRaw({ ops: [{ ...good, value: 'x'.repeat(2 * 1024 * 1024) }] })
      expect([big.status, big.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
      const malformed = await t.request('POST', '/v1/sync/push', { token: device, body: '{"ops": [', headers: { 'content-type': 'application/json' } })
      expect([malformed.status, malformed.body.error.code]).toEqual([400, 'INVALID_INPUT'])
      const gw = (await t.request('POST', '/v1/gateway-tokens', { token: device, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token
      expect((await t.request('POST', '/v1/sync/push', { token: gw, body: { ops: [good] } })).status).toBe(403)
      expect((await t.request('POST', '/v1/sync/push', { token: 'kwd_' + 'x'.repeat(43), body: { ops: [good] } })).status).toBe(401)
      expect((await t.request('GET', '/v1/sync/pull?cursor=-1', { token: device })).status).toBe(400)
      expect((await t.request('GET', '/v1/sync/pull?limit=100000', { token: device })).status).toBe(400)
      expect(await count('changes')).toBe(0)
      expect(await received()).toBe(0)
    })
  })
})
