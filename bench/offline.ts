import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentity, identityToRecipient } from 'age-encryption'
import { createKeyward, type Keyward } from '../src/core/app'
import { createInProcessClient } from '../src/core/client'
import { generateKey } from '../src/core/keys/generate-key'
import { keywardKeyShape } from '../src/core/scan/key-shape'
import { scanTree } from '../src/core/scan/scanner'
import { noKeychain } from '../src/core/vault/keychain'
import { measureAsync, withTarget, type Bench, type BenchResult } from './harness'

/**
 * The offline jobs of DESIGN §7: exporting an integrator bundle of 1 000 keys (unseal every
 * secret, sign the manifest, age-encrypt to an X25519 recipient, audit) and the leak scan's
 * throughput over generated source-like files.
 */
const BUNDLE_KEYS = 1_000
const SCAN_FILES = 256
const SCAN_FILE_BYTES = 256 * 1024
const SCAN_KEYS_PER_FILE = 4
const PASSPHRASE = 'benchmark passphrase, long enough 42'

let core: Keyward | undefined
const dirs: string[] = []
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits

async function bundleExport(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-bench-bundle-'))
  dirs.push(dir)
  core = createKeyward({ dataDir: dir, keychain: noKeychain('benchmark') })
  const client = createInProcessClient(core, 'bench')
  await client.call('vault.setup', { passphrase: PASSPHRASE })
  const region = await client.call('regions.create', { name: 'bench' })
  const server = await client.call('servers.create', { regionId: region.id, name: 'db' })
  const collection = await client.call('collections.create', { serverId: server.id, name: 'bundle-bench' })
  const customer = await client.call('clients.create', { name: 'Bench', tier: 'blue' })
  await client.call('licences.create', { clientId: customer.id, collectionId: collection.id })
  // one active key per application; the rest inactive, as a collection's history would hold them
  for (let i = 0; i < BUNDLE_KEYS; i++) {
    await client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: `key ${i}`, allowedIps: ['10.0.0.0/8'], active: i === 0 })
  }
  const recipient = await identityToRecipient(await generateIdentity())
  let size = 0
  const result = await measureAsync(
    'bundle.export',
    20,
    async () => {
      const out = await client.call('bundles.export', { collectionId: collection.id, recipients: [recipient], items: { keys: 'all' } })
      if (out.counts.keys !== BUNDLE_KEYS) throw new Error(`bundle holds ${out.counts.keys} keys, expected ${BUNDLE_KEYS}`)
      size = out.sizeBytes
      return out
    },
    { warmup: 3 },
  )
  return withTarget(result, 'p99 < 1 s for 1 000 keys', result.p99_us < 1_000_000, {
    keys: BUNDLE_KEYS,
    bundle_bytes: size,
    through: 'dispatcher (in-process): unseal + digest check per key, Ed25519 signature, age X25519 armored, audit entry',
  })
}

/** Printable, source-like text with a few real keys per file. */
function generateTree(): { root: string; bytes: number; keys: number } {
  const root = mkdtempSync(join(tmpdir(), 'keyward-bench-scan-'))
  dirs.push(root)
  let bytes = 0
  let keys = 0
  for (let f = 0; f < SCAN_FILES; f++) {
    const sub = join(root, `pkg${f % 16}`)
    mkdirSync(sub, { recursive: true })
    const lines: string[] = []
    let length = 0
    let placed = 0
    while (length < SCAN_FILE_BYTES) {
      const line =
        placed < SCAN_KEYS_PER_FILE && length > (placed + 1) * (SCAN_FILE_BYTES / (SCAN_KEYS_PER_FILE + 1))
          ? `const apiKey${placed++} = "${generateKey('erp_live')}" // erp_live_ config`
          : `  const value_${lines.length} = compute("${randomBytes(24).toString('base64')}", erp_test_${lines.length}, wf_live) // note`
      lines.push(line)
      length += line.length + 1
    }
    keys += placed
    const text = `${lines.join('\n')}\n`
    writeFileSync(join(sub, `file${f}.ts`), text)
    bytes += Buffer.byteLength(text)
  }
  return { root, bytes, keys }
}

async function scanThroughput(): Promise<BenchResult> {
  const tree = generateTree()
  const runs: number[] = []
  for (let r = 0; r < 6; r++) {
    const started = performance.now()
    const result = await scanTree([tree.root], { shape: keywardKeyShape })
    runs.push(performance.now() - started)
    if (result.hits.length !== tree.keys) throw new Error(`scan found ${result.hits.length} keys, expected ${tree.keys}`)
  }
  const timed = runs.slice(1).sort((a, b) => a - b) // the first run warms the page cache and the JIT
  const mb = tree.bytes / 1_048_576
  const best = mb / (timed[0]! / 1000)
  const gibSeconds = 1024 / best
  return withTarget(
    {
      name: 'scan.throughput',
      ops_per_s: Math.round(SCAN_FILES / (timed[0]! / 1000)),
      p50_us: Math.round(timed[Math.floor(timed.length / 2)]! * 1000),
      p99_us: Math.round(timed[timed.length - 1]! * 1000),
      ops: SCAN_FILES * timed.length,
      mb_per_s: round(best),
      mb_per_s_median: round(mb / (timed[Math.floor(timed.length / 2)]! / 1000)),
      tree_mb: round(mb),
      files: SCAN_FILES,
      keys_found: tree.keys,
      projected_1gib_s: round(gibSeconds),
      note: 'ops_per_s = files/s; p50/p99 = whole-tree scan time',
    },
    '1 GiB in < 60 s (>= 17.1 MB/s)',
    gibSeconds < 60,
  )
}

export const offlineBench: Bench = {
  async run() {
    return [await bundleExport(), await scanThroughput()]
  },
  async cleanup() {
    await core?.close()
    // dropped, so the heap the next entries run in no longer holds this one's data
    core = undefined
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  },
}
