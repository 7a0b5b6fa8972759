import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeyward, type Keyward } from '../src/core/app'
import { createInProcessClient, type InProcessClient } from '../src/core/client'
import { createPinoLogger } from '../src/core/logger'
import { createAdmin } from '../src/server/accounts/admins'
import { buildServer, type KeywardServer } from '../src/server/server'
import { noKeychain } from '../src/core/vault/keychain'
import { withTarget, type Bench, type BenchResult } from './harness'
import { seed } from './records'

/**
 * Sync through the real desktop client (issue 6 §7, DESIGN §6), two desktops and one server
 * over loopback HTTP:
 *   sync.client.initial  desktop A holds the records bench's organisation (100 000 service
 *                        users with their keys and topology, every field queued by the outbox
 *                        triggers); A pushes it all, asked for sync.status every second as
 *                        the UI asks, and B pulls and applies it (seconds, A's push + B's
 *                        pull), next to the 10 s of the protocol's sync.initial
 *   sync.client.delta    one field edited on A, then sync.run on A and on B until B shows it
 *                        (ms, median of 30), next to the 50 ms of the protocol's sync.delta
 * The targets are on the protocol figures; these two say what a desktop adds to them
 * (its outbox, sealing, staging and placing, the server in the same process) and print the
 * same marks for comparison, with `met` as measured.
 * The protocol-only figures (sync.initial / sync.delta in bench/server.ts) time the server's
 * push/pull path without a desktop in front of it.
 */
const PASSWORD = 'correct horse battery staple 42'
const PASSPHRASE = 'benchmark passphrase, long enough 42'
const ORG = 'benchmark organisation passphrase'

let server: KeywardServer | undefined
const dirs: string[] = []
const cores: Keyward[] = []

async function openDesktop(): Promise<{ core: Keyward; client: InProcessClient }> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-sync-'))
  dirs.push(dir)
  const core = createKeyward({ dataDir: dir, keychain: noKeychain('benchmark'), sync: { intervalMs: 0, pushBatch: 1000, pullPage: 5000, requestTimeoutMs: 120_000 } })
  cores.push(core)
  const client = createInProcessClient(core, 'bench')
  await client.call('vault.setup', { passphrase: PASSPHRASE })
  return { core, client }
}

export const syncClientBench: Bench = {
  async run() {
    const serverDir = mkdtempSync(join(tmpdir(), 'keyward-bench-sync-server-'))
    dirs.push(serverDir)
    server = await buildServer({ dataDir: serverDir, port: 0, logger: createPinoLogger('warn'), syncTailMs: 0 })
    await createAdmin(server.store, server.serverKey, () => new Date(), { username: 'bench', password: PASSWORD, withTotp: false, actor: 'bench' })
    const url = await server.listen()
    const a = await openDesktop()
    const b = await openDesktop()
    const { collection } = await seed(a.core.session())
    const records = (a.core.session().db.prepare('SELECT COUNT(*) AS n FROM service_users').get() as { n: number }).n
    for (const [d, name] of [
      [a, 'bench A'],
      [b, 'bench B'],
    ] as const) {
      await d.client.call('sync.configure', { serverUrl: url, username: 'bench', password: PASSWORD, deviceName: name, organisationPassphrase: ORG })
    }
    const started = performance.now()
    // as the UI does while its own run goes on (src/renderer/src/sync/sync-context.tsx, POLL_MS):
    // sync.status every second, on the thread the run needs
    const poll = setInterval(() => void a.client.call('sync.status', {}), 1000)
    const pushed = await a.client.call('sync.run', { confirmInitial: true })
    clearInterval(poll)
    const pushS = (performance.now() - started) / 1000
    const pulled = await b.client.call('sync.run', { confirmInitial: true })
    const initialS = (performance.now() - started) / 1000
    if (pushed.error || pulled.error) throw new Error(`sync failed: ${JSON.stringify(pushed.error ?? pulled.error)}`)
    const onB = (b.core.session().db.prepare('SELECT COUNT(*) AS n FROM service_users').get() as { n: number }).n
    if (onB !== records) throw new Error(`desktop B holds ${onB} of ${records} service users`)
    const results: BenchResult[] = [
      withTarget(
        { name: 'sync.client.initial', ops_per_s: Math.round(pushed.pushed / initialS), p50_us: 0, p99_us: 0, ops: pushed.pushed },
        '<= 10 s (sync.initial, for comparison)',
        initialS <= 10,
        { records, seconds: Math.round(initialS * 100) / 100, push_s: Math.round(pushS * 100) / 100 },
      ),
    ]

    const key = (a.core.session().db.prepare('SELECT id FROM api_keys WHERE collection_id = ? LIMIT 1').get(collection.id) as { id: string }).id
    const deltas: number[] = []
    for (let i = 0; i < 30; i++) {
      const description = `edit ${i}`
      const t0 = performance.now()
      await a.client.call('keys.update', { id: key, description })
      await a.client.call('sync.run', {})
      await b.client.call('sync.run', {})
      deltas.push(performance.now() - t0)
      if ((await b.client.call('keys.get', { id: key })).description !== description) throw new Error('the edit did not reach desktop B')
    }
    deltas.sort((x, y) => x - y)
    const median = deltas[15]!
    results.push(
      withTarget(
        { name: 'sync.client.delta', ops_per_s: Math.round(1000 / median), p50_us: Math.round(median * 1000), p99_us: Math.round(deltas[29]! * 1000), ops: 30, ms: Math.round(median * 100) / 100 },
        '<= 50 ms (sync.delta, for comparison)',
        median <= 50,
      ),
    )
    return results
  },
  async cleanup() {
    for (const core of cores.splice(0)) await core.close()
    await server?.close()
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  },
}
