import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import Fastify from 'fastify'
import { generateKey, keyDigest } from '../src/core/keys/generate-key'
import { createPinoLogger } from '../src/core/logger'
import { formatStamp } from '../src/core/store/hlc'
import { createAdmin } from '../src/server/accounts/admins'
import { buildServer, type KeywardServer } from '../src/server/server'
import type { SyncOp } from '../src/shared/sync'
import type { Bench, BenchResult } from './harness'

/**
 * The remote instance over loopback HTTP (issue 6 §7):
 *   sync.initial      100 000 key records pushed through /v1/sync/push in batches of 1 000
 *                     operations and pulled back through /v1/sync/pull (seconds; target ≤ 10 s)
 *   sync.delta        one field change pushed and pulled by a second device (ms; target ≤ 50 ms)
 *   baseline.http     a bare Fastify route returning a constant, autocannon, 32 connections
 *   server.verify.http POST /v1/keys/verify with a gateway token against the 100 000 keys,
 *                     the same load (target ≥ 70 % of baseline.http, p99 ≤ 5 ms)
 */
const KEYS = 100_000
const CONNECTIONS = 32
const DURATION_S = 10
const PASSWORD = 'correct horse battery staple 42'

let server: KeywardServer | undefined
let dir: string | undefined

async function load(url: string, requests: { body: string; headers: Record<string, string> }[]): Promise<autocannon.Result> {
  let i = 0
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    method: 'POST',
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[i++ % requests.length]!
          return { ...req, body: r.body, headers: { ...req.headers, ...r.headers } }
        },
      },
    ],
  })
}

const toResult = (name: string, r: autocannon.Result, extra: Record<string, unknown> = {}): BenchResult => ({
  name,
  ops_per_s: Math.round(r.requests.average),
  p50_us: r.latency.p50 * 1000,
  p99_us: r.latency.p99 * 1000,
  ops: r.requests.total,
  non2xx: r.non2xx,
  errors: r.errors,
  connections: CONNECTIONS,
  ...extra,
})

export const serverBench: Bench = {
  async run() {
    dir = mkdtempSync(join(tmpdir(), 'kw-bench-server-'))
    const logger = createPinoLogger('warn')
    server = await buildServer({ dataDir: dir, port: 0, logger, syncTailMs: 0 })
    await createAdmin(server.store, server.serverKey, () => new Date(), { username: 'bench', password: PASSWORD, withTotp: false, actor: 'bench' })
    const base = await server.listen()
    const call = async (method: 'GET' | 'POST', path: string, token?: string, body?: unknown) => {
      const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })
      const json = (await r.json()) as { ok: boolean; value: unknown; error?: { code: string } }
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json.error)}`)
      return json.value as unknown
    }
    const login = async (name: string) => ((await call('POST', '/v1/auth/login', undefined, { username: 'bench', password: PASSWORD, deviceName: name })) as { token: string }).token
    const deviceA = await login('bench A')
    const deviceB = await login('bench B')

    // 100 000 keys, each a record of its verification fields, under one platinum client
    const node = randomUUID()
    let counter = 0
    const collection = randomUUID()
    const client = randomUUID()
    const licences = Array.from({ length: 3 }, () => randomUUID())
    const ops: SyncOp[] = []
    // distinct stamps from one node: the counter has 5 digits, so the wall moves on before it overflows
    let ms = Date.now()
    const hlcOf = () => formatStamp(ms, counter++, node)
    const put = (entity: SyncOp['entity'], entityId: string, fields: Record<string, SyncOp['value']>) => {
      for (const [field, value] of Object.entries(fields)) {
        if (counter >= 99_999) {
          ms += 1
          counter = 0
        }
        ops.push({ opId: randomUUID(), entity, entityId, collectionId: collection, field, value, hlc: hlcOf() })
      }
    }
    put('clients', client, { name: 'Bench client', tier: 'platinum' })
    for (const l of licences) put('licences', l, { client_id: client, collection_id: collection, status: 'active' })
    const plaintexts: string[] = []
    for (let i = 0; i < KEYS; i++) {
      const key = generateKey('erp_live')
      plaintexts.push(key)
      // every key its own application kind, so the one-active-key rule holds for all of them
      put('api_keys', randomUUID(), { licence_id: licences[i % 3]!, application_id: `app${i}`, status: 'active', digest: keyDigest(key).toString('hex'), permissions: ['rest.orders.read'] })
    }
    const started = performance.now()
    for (let i = 0; i < ops.length; i += 1000) await call('POST', '/v1/sync/push', deviceA, { ops: ops.slice(i, i + 1000) })
    const pushedMs = performance.now() - started
    let cursor = 0
    let pulled = 0
    for (;;) {
      const page = (await call('GET', `/v1/sync/pull?cursor=${cursor}&limit=5000`, deviceB)) as { changes: unknown[]; next: number; more: boolean }
      pulled += page.changes.length
      cursor = page.next
      if (!page.more) break
    }
    const initialS = (performance.now() - started) / 1000
    if (pulled !== ops.length) throw new Error(`pulled ${pulled} of ${ops.length} changes`)
    const results: BenchResult[] = [
      { name: 'sync.initial', ops_per_s: Math.round(ops.length / initialS), p50_us: 0, p99_us: 0, ops: ops.length, records: KEYS + 4, seconds: Math.round(initialS * 100) / 100, push_s: Math.round(pushedMs / 10) / 100, target_s: 10 },
    ]

    // one change, pushed by A and pulled by B; median of 50
    const deltas: number[] = []
    for (let i = 0; i < 50; i++) {
      ms += 1
      const t0 = performance.now()
      await call('POST', '/v1/sync/push', deviceA, { ops: [{ opId: randomUUID(), entity: 'clients', entityId: client, collectionId: collection, field: 'notes', value: `n${i}`, hlc: formatStamp(ms, 0, node) }] })
      const page = (await call('GET', `/v1/sync/pull?cursor=${cursor}&limit=5000`, deviceB)) as { changes: unknown[]; next: number }
      if (page.changes.length !== 1) throw new Error('delta pull did not return the change')
      cursor = page.next
      deltas.push(performance.now() - t0)
    }
    deltas.sort((a, b) => a - b)
    results.push({ name: 'sync.delta', ops_per_s: Math.round(1000 / deltas[25]!), p50_us: Math.round(deltas[25]! * 1000), p99_us: Math.round(deltas[49]! * 1000), ops: 50, ms: Math.round(deltas[25]! * 100) / 100, target_ms: 50 })

    // the bare route, same process, same load generator
    const bare = Fastify({ logger: false })
    bare.post('/constant', async () => ({ ok: true, value: { code: 'VALID' } }))
    const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 })
    const bareRun = await load(`${bareUrl}/constant`, [{ body: '{"key":"x"}', headers: { 'content-type': 'application/json' } }])
    await bare.close()
    const baseline = toResult('baseline.http', bareRun)
    results.push(baseline)

    const gw = ((await call('POST', '/v1/gateway-tokens', deviceA, { name: 'bench', scopes: ['keys.verify'] })) as { token: string }).token
    if (server.sync.index.size !== KEYS) throw new Error(`index holds ${server.sync.index.size} keys`)
    const requests = Array.from({ length: 10_000 }, () => ({
      body: JSON.stringify({ key: plaintexts[Math.floor(Math.random() * KEYS)]!, method: 'rest.orders.read' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gw}` },
    }))
    const verifyRun = await load(`${base}/v1/keys/verify`, requests)
    const ratio = verifyRun.requests.average / bareRun.requests.average
    results.push(toResult('server.verify.http', verifyRun, { keys: KEYS, vs_baseline: Math.round(ratio * 1000) / 1000, target: '>= 0.7 of baseline.http, p99 <= 5 ms' }))
    return results
  },
  async cleanup() {
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  },
}
