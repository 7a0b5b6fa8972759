import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordsTuning } from '../../../src/core/records/records'
import type { RecordSortField } from '../../../src/shared/contract/records'
import type { ApiKey } from '../../../src/shared/contract/keys'
import { hashPassword } from '../../../src/core/users/passwords'
import { addServiceUser } from '../../../src/core/users/users'
import { openCore, type TestCore } from '../../helpers/core'
import { testClock } from '../../helpers/keys'
import { expectRefusedUnchanged } from '../../helpers/store'

/**
 * records.list against a plain in-memory model of the same users: scope, search, every sort
 * order in both directions, and paging, over a store with rotated, renamed, revoked and
 * deleted keys, inactive and deleted users.
 */
interface ModelUser {
  id: string
  username: string
  clientId: string
  status: 'active' | 'inactive'
  collectionId: string
  serverId: string
  keyId: string
  createdAt: string
}

let t: TestCore
let regionId: string
let servers: string[]
let collections: { id: string; serverId: string }[]
let users: ModelUser[]
/** key id → current key of its chain */
let heads: Map<string, ApiKey>
let chainOf: Map<string, string[]>
let keySecrets: Map<string, string>

beforeAll(async () => {
  const clock = testClock()
  t = await openCore({ clock: clock.clock })
  const c = t.client
  const region = await c.call('regions.create', { name: 'eu-west' })
  regionId = region.id
  const other = await c.call('regions.create', { name: 'us-east' })
  const sA = await c.call('servers.create', { regionId, name: 'db-a' })
  const sB = await c.call('servers.create', { regionId, name: 'db-b' })
  const sOther = await c.call('servers.create', { regionId: other.id, name: 'db-us' })
  servers = [sA.id, sB.id]
  const customer = await c.call('clients.create', { name: 'Acme', tier: 'platinum' })
  const customer2 = await c.call('clients.create', { name: 'Beta', tier: 'blue' })
  collections = []
  const keys: ApiKey[] = []
  keySecrets = new Map()
  for (const [serverId, name, owner] of [[sA.id, 'prod', customer], [sA.id, 'test', customer], [sB.id, 'archive', customer], [sOther.id, 'us-prod', customer2]] as const) {
    const col = await c.call('collections.create', { serverId, name })
    await c.call('licences.create', { clientId: owner.id, collectionId: col.id })
    if (serverId !== sOther.id) collections.push({ id: col.id, serverId })
    for (const [kind, keyName] of [['erp', `ERP ${name}`], ['workflow', `Flow ${name}`]] as const) {
      const k = await c.call('keys.create', { collectionId: col.id, applicationKind: kind, name: keyName })
      keys.push(k.key)
      keySecrets.set(k.key.id, k.secret)
    }
  }
  // users: random names with shared fragments and mixed case, spread over keys
  const hash = await hashPassword('records-test-password') // one hash for all: Argon2 per user would only slow the test
  const names = fc.sample(fc.stringMatching(/^[a-cA-C][a-cA-C0-2._-]{2,7}$/), { numRuns: 400, seed: 4242 })
  const s = t.core.session()
  s.db.transaction(() => {
    names.forEach((username, i) => {
      const key = keys[i % keys.length]!
      clock.advance(1000)
      try {
        addServiceUser(s, 'test', { collectionId: key.collectionId, keyId: key.id, username, status: i % 7 === 0 ? 'inactive' : 'active', type: 'own_records', permissionProfile: 'standard', restPermissions: [], soapPermissions: [] }, hash, { passwordGenerated: true })
      } catch (error) {
        if ((error as { code?: string }).code !== 'USERNAME_TAKEN') throw error
      }
    })
  })()
  // rotate one key and rename its successor, revoke another, delete a key, delete some users
  const rotated = await c.call('keys.rotate', { id: keys[0]!.id })
  await c.call('keys.update', { id: rotated.key.id, name: 'AAA renamed successor' })
  keySecrets.set(rotated.key.id, rotated.secret)
  await c.call('keys.revoke', { id: keys[3]!.id })
  await c.call('keys.delete', { id: keys[5]!.id })
  const all = s.db.prepare(`SELECT id, username, client_id, status, collection_id, key_id, created_at FROM service_users ORDER BY rowid`).all() as Record<string, string>[]
  for (const u of all.filter((_, i) => i % 11 === 3)) await c.call('users.delete', { id: u.id! })
  const live = s.db.prepare(`SELECT id, username, client_id, status, collection_id, key_id, created_at FROM service_users WHERE deleted_at IS NULL`).all() as Record<string, string>[]
  const allKeys = s.db.prepare('SELECT id, successor_id FROM api_keys').all() as { id: string; successor_id: string | null }[]
  const byId = new Map((await Promise.all(allKeys.map((k) => c.call('keys.get', { id: k.id }).catch(() => undefined)))).filter((k): k is ApiKey => !!k).map((k) => [k.id, k]))
  // deleted keys are not in keys.get; read their facts straight from the row
  for (const k of s.db.prepare('SELECT id, name, hint, prefix, collection_id FROM api_keys WHERE deleted_at IS NOT NULL').all() as Record<string, string>[]) {
    byId.set(k.id!, { id: k.id!, name: k.name!, hint: k.hint!, prefix: k.prefix!, collectionId: k.collection_id! } as ApiKey)
  }
  heads = new Map()
  chainOf = new Map()
  for (const k of allKeys) {
    let cur = k
    while (cur.successor_id) cur = allKeys.find((x) => x.id === cur.successor_id)!
    heads.set(k.id, byId.get(cur.id)!)
    chainOf.set(cur.id, [...(chainOf.get(cur.id) ?? []), k.id])
  }
  const serverOf = new Map(collections.map((x) => [x.id, x.serverId]))
  users = live.filter((u) => serverOf.has(u.collection_id!)).map((u) => ({ id: u.id!, username: u.username!, clientId: u.client_id!, status: u.status as ModelUser['status'], collectionId: u.collection_id!, serverId: serverOf.get(u.collection_id!)!, keyId: u.key_id!, createdAt: u.created_at! }))
  expect(users.length).toBeGreaterThan(250)
}, 120_000)

afterAll(async () => t?.close())

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)

function modelList(q: { serverId?: string; collectionId?: string; search?: string; field: RecordSortField; dir: 'asc' | 'desc'; offset: number; limit: number }) {
  const text = (q.search ?? '').trim()
  const lower = text.toLowerCase()
  const keyMatch = (keyId: string) => {
    const head = heads.get(keyId)!
    const chain = chainOf.get(head.id)!
    return head.name.toLowerCase().includes(lower) || head.hint.toLowerCase().includes(lower) || head.prefix.toLowerCase().startsWith(lower) || chain.includes(lower) || chain.some((k) => keySecrets.get(k) === text)
  }
  const matches = (u: ModelUser) =>
    lower === '' ||
    ([...lower].length >= 3 ? `${u.username} ${u.clientId}`.toLowerCase().includes(lower) : u.username.toLowerCase().startsWith(lower)) ||
    keyMatch(u.keyId) ||
    u.id === lower
  const rows = users.filter((u) => (!q.serverId || u.serverId === q.serverId) && (!q.collectionId || u.collectionId === q.collectionId) && matches(u))
  const lc = (u: ModelUser) => u.username.toLowerCase()
  const orders: Record<RecordSortField, (a: ModelUser, b: ModelUser) => number> = {
    username: (a, b) => cmp(lc(a), lc(b)) || cmp(a.collectionId, b.collectionId),
    clientId: (a, b) => cmp(a.clientId, b.clientId),
    status: (a, b) => cmp(a.status, b.status) || cmp(lc(a), lc(b)) || cmp(a.collectionId, b.collectionId),
    createdAt: (a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.collectionId, b.collectionId),
    keyName: (a, b) => {
      const ha = heads.get(a.keyId)!
      const hb = heads.get(b.keyId)!
      return ha.name.toLowerCase().localeCompare(hb.name.toLowerCase(), 'en') || cmp(ha.id, hb.id) || cmp(lc(a), lc(b)) || cmp(a.collectionId, b.collectionId)
    },
  }
  rows.sort(orders[q.field])
  if (q.dir === 'desc') rows.reverse()
  return { ids: rows.slice(q.offset, q.offset + q.limit).map((u) => u.id), total: rows.length }
}

describe('records.list', () => {
  it('matches the model for random scopes, searches, sorts and pages', async () => {
    const searchArb = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(...users.map((u) => u.username)).chain((n) => fc.tuple(fc.nat(n.length - 1), fc.integer({ min: 1, max: 6 })).map(([i, l]) => n.slice(i, i + l))),
      fc.constantFrom(...users.map((u) => u.clientId)).map((id) => id.slice(3, 9).toUpperCase()),
      fc.constantFrom(...users.map((u) => u.id), ...users.map((u) => u.clientId.toLowerCase()), ...heads.keys()),
      fc.constantFrom('erp', 'flow', 'ERP_LIVE', 'wf_live', 'AAA', 'archive', ' b ', 'zz', '…', ...[...heads.values()].map((k) => k.hint), ...keySecrets.values()),
      fc.stringMatching(/^[a-c0-2._-]{1,4}$/),
    )
    const scopeArb = fc.oneof(
      fc.constant({}),
      fc.constantFrom(...servers).map((serverId) => ({ serverId })),
      fc.constantFrom(...collections).map((c) => ({ collectionId: c.id })),
      fc.constantFrom(...collections).map((c) => ({ serverId: c.serverId, collectionId: c.id })),
    )
    await fc.assert(
      fc.asyncProperty(
        scopeArb,
        searchArb,
        fc.constantFrom<RecordSortField>('username', 'clientId', 'keyName', 'status', 'createdAt'),
        fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
        fc.nat(320),
        fc.integer({ min: 1, max: 120 }),
        // each query runs on all three search paths: the small rowid set, the index walk with an
        // exact count, and the index walk whose count stops at a (here tiny) cap
        fc.constantFrom({ smallMatchCap: 2000, countCap: 10_000 }, { smallMatchCap: 0, countCap: 10_000 }, { smallMatchCap: 0, countCap: 7 }),
        async (scope, search, field, dir, offset, limit, tuning) => {
          Object.assign(recordsTuning, tuning)
          try {
            const got = await t.client.call('records.list', { regionId, ...scope, search, sort: { field, dir }, page: { offset, limit } })
            const want = modelList({ ...scope, search, field, dir, offset, limit })
            const capped = (search ?? '').trim() !== '' && want.total > tuning.countCap && tuning.smallMatchCap === 0
            expect(got.totalCapped).toBe(capped)
            expect(got.total).toBe(capped ? tuning.countCap : want.total)
            expect(got.rows.map((r) => r.userId)).toEqual(want.ids)
          } finally {
            Object.assign(recordsTuning, { smallMatchCap: 2000, countCap: 10_000 })
          }
        },
      ),
      { numRuns: 600, seed: 7 },
    )
  })

  it('fills each row from the current key of the user, with the operations that apply', async () => {
    const { rows, total } = await t.client.call('records.list', { regionId, page: { offset: 0, limit: 500 } })
    expect(total).toBe(users.length)
    for (const row of rows) {
      const u = users.find((x) => x.id === row.userId)!
      const head = heads.get(u.keyId)!
      expect(row).toMatchObject({ username: u.username, clientId: u.clientId, status: u.status, keyId: head.id, keyName: head.name, keyHint: head.hint })
      expect(row.keyHint).toMatch(/^(erp|wf)_live_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}$/)
      const keyOk = row.keyStatus === 'active'
      expect(row.operations).toEqual({
        restPermissions: false,
        soapPermissions: false,
        generateToken: u.status === 'active' && keyOk,
        viewMore: false,
        edit: true,
        rotate: row.keyStatus === 'active' || row.keyStatus === 'inactive',
        revoke: row.keyStatus !== 'revoked' && row.keyStatus !== 'deleted',
      })
    }
    expect(new Set(rows.map((r) => r.keyStatus))).toEqual(new Set(['active', 'revoked', 'deleted']))
    expect(rows.some((r) => r.keyName === 'AAA renamed successor')).toBe(true)
  })

  it('refuses scopes that do not fit together', async () => {
    const nowhere = '0190a000-0000-7000-8000-000000000000'
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId: nowhere }), 'REGION_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId, serverId: nowhere }), 'SERVER_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId, collectionId: nowhere }), 'COLLECTION_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId, serverId: servers[1]!, collectionId: collections[0]!.id }), 'COLLECTION_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId, page: { offset: 0, limit: 501 } }), 'INVALID_INPUT')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('records.list', { regionId, sort: { field: 'password' as never, dir: 'asc' } }), 'INVALID_INPUT')
  })
})
