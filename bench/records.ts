import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeyward, type Keyward } from '../src/core/app'
import { verifyAuditChain } from '../src/core/audit/audit-log'
import { clients } from '../src/core/clients/clients'
import { createInProcessClient } from '../src/core/client'
import { keys } from '../src/core/keys/keys'
import { licences } from '../src/core/licences/licences'
import { hashPassword } from '../src/core/users/passwords'
import { addServiceUser } from '../src/core/users/users'
import type { Session } from '../src/core/session'
import { collections, regions, servers } from '../src/core/topology/topology'
import { noKeychain } from '../src/core/vault/keychain'
import type { MethodInput } from '../src/shared/contract'
import type { RecordSortField } from '../src/shared/contract/records'
import { measureAsync, withTarget, type Bench } from './harness'

const USERS = Number(process.env.KEYWARD_BENCH_USERS ?? 100_000)
const ACTOR = 'bench'
const KINDS = [
  ['erp', 'XSS ERP'],
  ['workflow', 'Workflow engine'],
  ['mobile', 'Field app'],
] as const

/**
 * 100 000 service users in one collection (the worst case for a collection filter: every
 * row is in scope), inserted through the users service's own synchronous core
 * (addServiceUser: the same checks, row and audit entry as users.create) in one transaction.
 * Every user shares ONE Argon2id hash: hashing 100 000 passwords at 19 MiB would take about
 * an hour and says nothing about search speed.
 */
export async function seed(s: Session) {
  const region = regions.create(s, ACTOR, 'bench-region')
  const server = servers.create(s, ACTOR, region.id, 'bench-db')
  const collection = collections.create(s, ACTOR, server.id, 'bench-prod')
  const owner = clients.create(s, ACTOR, { name: 'Bench client', tier: 'gold', notes: '' })
  licences.create(s, ACTOR, owner.id, collection.id)
  const created = KINDS.map(([kind, name]) =>
    keys.create(s, ACTOR, { collectionId: collection.id, applicationKind: kind, name, description: '', audience: 'business', environment: 'live', allowedIps: [], rotationDays: 90, active: true }),
  )
  const passwordHash = await hashPassword('one shared benchmark password, see the comment above')
  const words = ['sync', 'import', 'export', 'portal', 'batch', 'report', 'mobile', 'ledger']
  s.db.transaction(() => {
    for (let i = 0; i < USERS; i++) {
      const key = created[i % created.length]!.key
      addServiceUser(
        s,
        ACTOR,
        {
          collectionId: collection.id,
          keyId: key.id,
          username: `svc-${words[i % words.length]}-${String(i).padStart(6, '0')}`,
          status: i % 10 === 0 ? 'inactive' : 'active',
          type: 'own_records',
          permissionProfile: 'standard',
          restPermissions: key.permissions.filter((p) => p.startsWith('rest.')).slice(0, 4),
          soapPermissions: [],
        },
        passwordHash,
        { passwordGenerated: true },
      )
    }
  })()
  return { region, collection, keys: created.map((c) => c.key) }
}

let core: Keyward | undefined
let dir: string | undefined

export const recordsBench: Bench = {
  async run() {
    dir = mkdtempSync(join(tmpdir(), 'keyward-bench-records-'))
    core = createKeyward({ dataDir: dir, keychain: noKeychain('benchmark') })
    const client = createInProcessClient(core, ACTOR)
    await client.call('vault.setup', { passphrase: 'benchmark passphrase, long enough 42' })
    const s = core.session()
    const seeding = performance.now()
    const { region, collection, keys: benchKeys } = await seed(s)
    const seedSeconds = (performance.now() - seeding) / 1000
    const sample = s.db.prepare('SELECT id, client_id FROM service_users ORDER BY rowid LIMIT 1000').all() as { id: string; client_id: string }[]

    // what people type into the search box, over every sort order and a few page positions
    const searches: (string | undefined)[] = [
      undefined,
      'svc-ledger-0421', // one user
      'ledger-04', // a few hundred
      'port', // one in eight users
      'svc', // every user
      'sv', // two characters: username prefix
      'XSS', // a key name: a third of the users
      benchKeys[1]!.hint, // a pasted key hint
      benchKeys[2]!.id, // a pasted key id
    ]
    const fields: RecordSortField[] = ['username', 'clientId', 'keyName', 'status', 'createdAt']
    const query = (i: number): MethodInput<'records.list'> => {
      const pick = sample[(i * 7919) % sample.length]!
      const search = i % 11 === 9 ? pick.id : i % 11 === 10 ? pick.client_id.toLowerCase() : searches[i % searches.length]
      return {
        regionId: region.id,
        collectionId: i % 2 === 0 ? collection.id : undefined,
        search,
        sort: { field: fields[i % fields.length]!, dir: i % 3 === 0 ? 'desc' : 'asc' },
        page: { offset: (i % 4) * 2_000, limit: 50 },
      }
    }
    let empty = 0
    const search = await measureAsync(
      'records.search',
      1_000,
      async (i) => {
        const r = await client.call('records.list', query(i))
        if (r.total === 0) empty++
        return r
      },
      { warmup: 50 },
    )
    if (empty > 0) throw new Error(`${empty} benchmark searches found nothing; the query mix is wrong`)

    // audit.verify over the chain this seeding wrote (one entry per user, key, …) plus
    // filler entries appended in one transaction, so the chain is long
    const fill = 200_000
    const { appendAudit } = await import('../src/core/audit/audit-log')
    s.db.transaction(() => {
      for (let i = 0; i < fill; i++) appendAudit(s, { actor: ACTOR, action: 'bench.fill', entity: 'bench', entityId: String(i), details: { i, note: 'filler entry' } })
    })()
    const runs: number[] = []
    let entries = 0
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now()
      const status = verifyAuditChain(s)
      runs.push(performance.now() - t0)
      if (!status.ok) throw new Error(`audit chain broken at ${status.firstBrokenSeq}`)
      entries = status.entries
    }
    runs.sort((a, b) => a - b)
    const median = runs[Math.floor(runs.length / 2)]!
    const perSecond = Math.round(entries / (median / 1000))
    const audit = withTarget(
      { name: 'audit.verify', ops_per_s: perSecond, p50_us: Math.round((median * 1000) / entries * 1000) / 1000, p99_us: Math.round((runs[runs.length - 1]! * 1000) / entries * 1000) / 1000, ops: entries * runs.length },
      '>= 200000 entries/s',
      perSecond >= 200_000,
      { unit: 'one op = one audit entry re-hashed and checked; p50/p99 = per entry over the median/slowest of 5 full walks', entries, run_ms_p50: Math.round(median) },
    )
    return [
      withTarget(search, 'p99 <= 50 ms', search.p99_us <= 50_000, {
        users: USERS,
        through: 'dispatcher (in-process), 50-row pages, mixed searches × 5 sort orders × both directions × offsets up to 6000',
        seed_s: Math.round(seedSeconds * 10) / 10,
      }),
      audit,
    ]
  },
  async cleanup() {
    await core?.close()
    // dropped, so the heap the next entries run in no longer holds this one's data
    core = undefined
    if (dir) rmSync(dir, { recursive: true, force: true })
  },
}
