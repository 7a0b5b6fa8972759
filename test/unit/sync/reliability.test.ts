import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SyncOp } from '../../../src/shared/sync'
import { addAdmin, backends, describeName, PASSWORD, startTestServer, type Target } from '../../helpers/server'
import { createAdminByCli, killed, startServerProcess } from '../../helpers/server-process'
import { opWriter } from '../../helpers/sync'
import { forwardingProxy } from '../../helpers/desktops'

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5_000),
  })
  const text = await response.text()
  return { status: response.status, body: JSON.parse(text) as { ok: boolean; value?: any; error?: { code: string } } } // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Batches of new clients, 3 fields each, one op id per field. */
function batches(count: number, size: number): SyncOp[][] {
  const w = opWriter()
  const c = randomUUID()
  return Array.from({ length: count }, () => Array.from({ length: size }, () => w.client(c).ops).flat())
}

/** Every change in the log, through `url`, retrying what the network loses. */
async function pullEverything(url: string, token: string) {
  const out: { seq: number; entityId: string; field: string; hlc: string }[] = []
  let cursor = 0
  for (let attempts = 0; attempts < 2000; attempts++) {
    const r = await call(url, 'GET', `/v1/sync/pull?cursor=${cursor}&limit=200`, token).catch(() => undefined)
    if (!r || r.status !== 200) continue
    out.push(...r.body.value.changes)
    cursor = r.body.value.next
    if (!r.body.value.more) return out
  }
  throw new Error('pull never finished')
}

describe.each(backends)('sync reliability', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    let target: Target
    beforeAll(async () => {
      await backend.setup()
    }, 120_000)
    afterAll(async () => {
      await backend.teardown()
    }, 60_000)

    it('kill -9 in the middle of pushes loses nothing acknowledged, and a replay applies nothing twice', async () => {
      target = await backend.fresh()
      const storeArgs = ['--data-dir', target.dataDir, ...(target.database ? ['--database', target.database] : [])]
      expect(createAdminByCli(storeArgs, 'alice', PASSWORD).status).toBe(0)
      const all = batches(60, 10)
      const acked = new Set<string>()
      const server = await startServerProcess(storeArgs)
      const login = await call(server.url, 'POST', '/v1/auth/login', undefined, { username: 'alice', password: PASSWORD, deviceName: 'pusher' })
      const token = login.body.value.token as string
      const stopAfter = 8 + Math.floor(Math.random() * 10)
      let next = 0
      const pusher = async () => {
        while (next < all.length) {
          const batch = all[next++]!
          const r = await call(server.url, 'POST', '/v1/sync/push', token, { ops: batch }).catch(() => undefined)
          if (!r) return
          expect(r.status).toBe(200)
          for (const op of batch) acked.add(op.opId)
          if (acked.size / 30 >= stopAfter) await killed(server.child)
        }
      }
      await Promise.all([pusher(), pusher(), pusher()])
      expect(server.child.signalCode).toBe('SIGKILL')
      expect(acked.size).toBeGreaterThan(0)
      expect(acked.size).toBeLessThan(all.flat().length)

      const again = await startServerProcess(storeArgs)
      try {
        const rows = await target.sql<{ op_id: string }>('SELECT op_id FROM changes')
        const applied = new Set(rows.map((r) => r.op_id))
        for (const id of acked) expect(applied.has(id), `op ${id} was acknowledged but is gone`).toBe(true)
        // the desktop retries everything it has no answer for, and some it has: each applies once
        for (const batch of all) expect((await call(again.url, 'POST', '/v1/sync/push', token, { ops: batch })).status).toBe(200)
        const after = await target.sql<{ op_id: string }>('SELECT op_id FROM changes')
        expect(after).toHaveLength(all.flat().length)
        expect(new Set(after.map((r) => r.op_id)).size).toBe(all.flat().length)
      } finally {
        await killed(again.child)
        await target.cleanup()
      }
    }, 120_000)

    it('through a proxy that drops, delays, duplicates and fails ≥ 20 % of requests, nothing is lost or applied twice', async () => {
      target = await backend.fresh()
      const t = await startTestServer(target, { syncTailMs: 0 })
      await addAdmin(t)
      const token = await t.token()
      // drops, 5xx, dropped answers, duplicates and delays, 8 % each
      const proxy = await forwardingProxy(await t.server.listen(), 0.4)
      const { faults } = proxy
      const via = proxy.url
      try {
        const all = batches(40, 5)
        const outcomes = new Map<string, string>()
        for (const batch of all) {
          for (let attempt = 0; ; attempt++) {
            expect(attempt).toBeLessThan(100)
            const r = await call(via, 'POST', '/v1/sync/push', token, { ops: batch }).catch(() => undefined)
            if (!r || r.status !== 200) continue
            for (const o of r.body.value.outcomes) outcomes.set(o.opId, o.status)
            break
          }
        }
        const total = Object.values(faults).reduce((a, b) => a + b, 0)
        expect((total - faults.clean) / total).toBeGreaterThanOrEqual(0.2)
        expect(faults.dropAnswer + faults.duplicate).toBeGreaterThan(0)
        const ops = all.flat()
        for (const op of ops) expect(outcomes.get(op.opId)).toBe('applied')
        const changes = await pullEverything(via, token)
        expect(changes).toHaveLength(ops.length)
        const seen = new Set(changes.map((c) => `${c.entityId}/${c.field}/${c.hlc}`))
        expect(seen.size).toBe(ops.length)
        for (const op of ops) expect(seen.has(`${op.entityId}/${op.field}/${op.hlc}`)).toBe(true)
      } finally {
        await proxy.close()
        await t.close()
        await target.cleanup()
      }
    }, 120_000)
  })
})
