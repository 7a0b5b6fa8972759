import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKey } from '../../../src/core/keys/generate-key'
import { KeyIndex } from '../../../src/core/keys/key-index'
import { VerifyIndex, type CompactKey } from '../../../src/core/keys/verify-index'
import { keys } from '../../../src/core/keys/keys'
import { verifyKeyFormat } from '../../../src/shared/key-format'
import { VERIFY_CODES, type VerifyCode } from '../../../src/shared/verify-codes'
import { openCore, type TestCore } from '../../helpers/core'
import { HOUR, makeLicensedCollection, MINUTE, testClock } from '../../helpers/keys'
import { expectRefusedUnchanged } from '../../helpers/store'

let t: TestCore
afterEach(async () => t?.close())

async function setup(clock = testClock()) {
  t = await openCore({ clock: clock.clock })
  const topo = await makeLicensedCollection(t.client)
  return { ...topo, clock }
}

describe('keys.verify', () => {
  it('reaches every verification code', async () => {
    const { collection, licence, clock } = await setup()
    const reached = new Set<VerifyCode>()
    const verify = async (input: { key: string; ip?: string; method?: string }) => {
      const r = await t.client.call('keys.verify', input)
      reached.add(r.code)
      return r
    }
    const { key, secret } = await t.client.call('keys.create', {
      collectionId: collection.id,
      applicationKind: 'erp',
      name: 'erp',
      allowedIps: ['203.0.113.0/24', '2001:db8::/48'],
      rateLimitPerMinute: 2,
      expiresAt: new Date(clock.now.getTime() + 48 * HOUR).toISOString(),
    })

    const valid = await verify({ key: secret, ip: '203.0.113.9', method: 'rest.invoices.list' })
    expect(valid).toMatchObject({ code: 'VALID', keyId: key.id, collectionId: collection.id, licenceId: licence.id, applicationKind: 'erp' })
    expect(valid.permissions).toEqual(key.permissions)
    expect(valid.validUntil).toBe(key.expiresAt)

    expect((await verify({ key: 'erp_live_short' })).code).toBe('MALFORMED')
    expect((await verify({ key: secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A') })).code).toBe('BAD_CHECKSUM')
    expect((await verify({ key: generateKey('erp_live') })).code).toBe('NOT_FOUND')
    expect((await verify({ key: secret, ip: '198.51.100.1' })).code).toBe('IP_NOT_ALLOWED')
    expect((await verify({ key: secret })).code).toBe('IP_NOT_ALLOWED')
    expect((await verify({ key: secret, ip: '2001:db8:0:ffff::1', method: 'rest.invoices.list' })).code).toBe('VALID')
    expect((await verify({ key: secret, ip: '::ffff:203.0.113.200', method: 'rest.users.create' })).code).toBe('FORBIDDEN_METHOD')
    // third valid request inside the minute: the limit is 2 per minute
    const limited = await verify({ key: secret, ip: '203.0.113.9' })
    expect(limited.code).toBe('RATE_LIMITED')
    expect(limited.retryAfterMs).toBeGreaterThan(0)
    clock.advance(2 * MINUTE)
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('VALID')

    await t.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('LICENCE_INACTIVE')
    await t.client.call('licences.setStatus', { id: licence.id, status: 'active' })
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('VALID')

    await t.client.call('keys.setStatus', { id: key.id, status: 'inactive' })
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('DISABLED')
    await t.client.call('keys.setStatus', { id: key.id, status: 'active' })

    clock.advance(48 * HOUR)
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('EXPIRED')
    expect((await t.client.call('keys.get', { id: key.id })).status).toBe('expired')

    await t.client.call('keys.revoke', { id: key.id })
    expect((await verify({ key: secret, ip: '203.0.113.9' })).code).toBe('REVOKED')

    expect([...reached].sort()).toEqual([...VERIFY_CODES].sort())
  })

  it('sees changes at once: updates of IPs and permissions, deletes, released licences', async () => {
    const { collection, customer } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'wf' })
    expect((await t.client.call('keys.verify', { key: secret, ip: '192.0.2.1', method: 'rest.tasks.list' })).code).toBe('VALID')
    await t.client.call('keys.update', { id: key.id, allowedIps: ['10.0.0.0/8'] })
    expect((await t.client.call('keys.verify', { key: secret, ip: '192.0.2.1' })).code).toBe('IP_NOT_ALLOWED')
    await t.client.call('keys.update', { id: key.id, allowedIps: [], permissions: ['rest.records.read'] })
    expect((await t.client.call('keys.verify', { key: secret, ip: '192.0.2.1', method: 'rest.tasks.list' })).code).toBe('FORBIDDEN_METHOD')

    // a downgrade that releases the licence deactivates its keys, with the reason
    await t.client.call('clients.setTier', { id: customer.id, tier: 'blue' })
    const server = (await t.client.call('servers.list', { regionId: collection.regionId }))[0]!
    const second = await t.client.call('collections.create', { serverId: server.id, name: 'second' })
    await t.client.call('clients.setTier', { id: customer.id, tier: 'gold' })
    await t.client.call('licences.create', { clientId: customer.id, collectionId: second.id })
    const preview = await t.client.call('licences.previewTierChange', { clientId: customer.id, tier: 'blue' })
    // the licence without keys is proposed first; the admin releases the one with the key instead
    expect(preview.releases.map((r) => r.collectionName)).toEqual(['second'])
    const first = (await t.client.call('licences.list', { collectionId: collection.id }))[0]!
    const chosen = await t.client.call('licences.previewTierChange', { clientId: customer.id, tier: 'blue', releaseLicenceIds: [first.id] })
    expect(chosen.releases[0]!.keys).toEqual([{ id: key.id, name: 'wf', applicationKind: 'workflow', status: 'active' }])
    const done = await t.client.call('clients.setTier', { id: customer.id, tier: 'blue', releaseLicenceIds: [first.id] })
    expect(done.deactivatedKeyIds).toEqual([key.id])
    expect(await t.client.call('keys.get', { id: key.id })).toMatchObject({ status: 'inactive', statusReason: 'master licence released: tier changed from Gold to Blue' })
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('DISABLED')
    // with no licence on the collection the key cannot come back
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.setStatus', { id: key.id, status: 'active' }), 'LICENCE_REQUIRED')
    await t.client.call('keys.delete', { id: key.id })
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('NOT_FOUND')
  })

  it('a key whose licence was released follows the licence later bound to its collection', async () => {
    const { collection, customer, licence } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    const released = await t.client.call('licences.delete', { id: licence.id })
    expect(released.deactivatedKeyIds).toEqual([key.id])
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('DISABLED')
    const fresh = await t.client.call('licences.create', { clientId: customer.id, collectionId: collection.id })
    const back = await t.client.call('keys.setStatus', { id: key.id, status: 'active' })
    expect(back.licenceId).toBe(fresh.id)
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('VALID')
  })

  it('records usage in memory and writes it in batches, not per verification', async () => {
    const clock = testClock()
    t = await openCore({ clock: clock.clock, usageFlushMs: 60_000 })
    const { collection } = await makeLicensedCollection(t.client)
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    const db = t.core.session().db
    const stored = () => db.prepare('SELECT use_count, last_used_at FROM api_keys WHERE id = ?').get(key.id) as { use_count: number; last_used_at: string | null }
    for (let i = 0; i < 5; i++) await t.client.call('keys.verify', { key: secret })
    expect(stored()).toEqual({ use_count: 0, last_used_at: null })
    // reads show the pending numbers
    expect(await t.client.call('keys.get', { id: key.id })).toMatchObject({ useCount: 5, lastUsedAt: clock.now.toISOString() })
    expect(t.core.session().keyIndex.usage.flush()).toBe(1)
    expect(stored()).toEqual({ use_count: 5, last_used_at: clock.now.toISOString() })
    // refused verifications are not usage
    await t.client.call('keys.setStatus', { id: key.id, status: 'inactive' })
    await t.client.call('keys.verify', { key: secret })
    expect(t.core.session().keyIndex.usage.flush()).toBe(0)
    // lock writes what is pending
    await t.client.call('keys.setStatus', { id: key.id, status: 'active' })
    await t.client.call('keys.verify', { key: secret })
    const dir = t.dir
    await t.core.lock()
    await t.client.call('vault.unlock', { passphrase: 'correct horse battery staple 42' })
    expect((await t.client.call('keys.get', { id: key.id })).useCount).toBe(6)
    expect(dir).toBe(t.dir)
  })

  it('tells keys apart when their digests share an index slot (chains), also after removals', async () => {
    const { collection } = await setup()
    const s = t.core.session()
    const created = s.db.transaction(() =>
      Array.from({ length: 600 }, (_, i) =>
        keys.create(s, 'test', { collectionId: collection.id, applicationKind: 'erp', name: `k${i}`, description: '', audience: 'business', environment: 'live', allowedIps: [], rotationDays: 90, active: false }),
      ),
    )()
    // 600 keys on 64 home slots: probes walk long runs of other keys' slots
    const index = new KeyIndex(s.db, () => Date.now(), { homeSlots: 64 }).load()
    for (const c of created) expect(index.verify(c.secret)).toMatchObject({ code: 'DISABLED', keyId: c.key.id })
    for (let i = 0; i < 200; i++) expect(index.verify(generateKey('erp_live')).code).toBe('NOT_FOUND')
    const gone = created.filter((_, i) => i % 3 === 0)
    for (const g of gone) keys.remove(s, 'test', g.key.id)
    index.refreshKeys(gone.map((g) => g.key.id))
    expect(index.size).toBe(400)
    for (const [i, c] of created.entries()) expect(index.verify(c.secret).code).toBe(i % 3 === 0 ? 'NOT_FOUND' : 'DISABLED')
    index.close()
  })

  it('answers MALFORMED / BAD_CHECKSUM / NOT_FOUND exactly as the offline format check does, for any near-miss of a stored key', async () => {
    const { collection } = await setup()
    const { secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    const index = t.core.session().keyIndex
    const edit = fc.tuple(fc.nat(60), fc.constantFrom(...'0aZ_-é9'.split('')), fc.constantFrom('set', 'insert', 'delete'))
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let key = secret
        for (const [at, ch, op] of edits) {
          const i = at % (key.length + 1)
          key = op === 'set' ? key.slice(0, i) + ch + key.slice(i + 1) : op === 'insert' ? key.slice(0, i) + ch + key.slice(i) : key.slice(0, i) + key.slice(i + 1)
        }
        const format = verifyKeyFormat(key)
        const expected = key === secret ? 'VALID' : format === 'VALID_FORMAT' ? 'NOT_FOUND' : format
        expect(index.verify(key).code).toBe(expected)
      }),
      { numRuns: 3000 },
    )
  })

  it('flushes usage on its own timer', async () => {
    t = await openCore({ usageFlushMs: 50 })
    const { collection } = await makeLicensedCollection(t.client)
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    for (let i = 0; i < 3; i++) await t.client.call('keys.verify', { key: secret })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const row = t.core.session().db.prepare('SELECT use_count, last_used_at FROM api_keys WHERE id = ?').get(key.id) as { use_count: number; last_used_at: string | null }
    expect(row.use_count).toBe(3)
    expect(row.last_used_at).not.toBeNull()
  })

  it('runs no SQL on the verification hot path', async () => {
    const { collection } = await setup()
    const { secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp', rateLimitPerMinute: 1_000_000 })
    const db = t.core.session().db
    let sql = 0
    // every statement the index ever gets comes from this proxy, and each use is counted
    const counted = new Proxy(db, {
      get(target, prop) {
        if (prop === 'prepare') {
          return (text: string) => {
            sql++
            const statement = target.prepare(text)
            return new Proxy(statement, {
              get(st, p) {
                const value = Reflect.get(st, p, st)
                if (typeof value !== 'function') return value
                return (...args: unknown[]) => {
                  if (['get', 'all', 'run', 'iterate'].includes(String(p))) sql++
                  return (value as (...a: unknown[]) => unknown).apply(st, args)
                }
              }
            })
          }
        }
        if (prop === 'exec' || prop === 'transaction') sql++
        const value = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const index = new KeyIndex(counted, () => Date.now(), { usageFlushMs: 3_600_000 }).load()
    sql = 0
    for (let i = 0; i < 1000; i++) expect(index.verify(secret, '10.0.0.1', 'rest.invoices.list').code).toBe('VALID')
    for (let i = 0; i < 100; i++) index.verify(generateKey('erp_live'))
    expect(sql).toBe(0)
    // the batch flush is where usage reaches the store: one transaction for all of it
    expect(index.usage.flush()).toBe(1)
    expect(sql).toBeGreaterThan(0)
    index.close()
  })

  it('rebuilds the index when the vault is unlocked again', async () => {
    const { collection } = await setup()
    const { secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    await t.core.lock()
    expect((await t.client.invoke('keys.verify', { key: secret })).ok).toBe(false)
    await t.client.call('vault.unlock', { passphrase: 'correct horse battery staple 42' })
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('VALID')
    expect(t.core.session().keyIndex.size).toBe(1)
  })
})

describe('VerifyIndex digest table', () => {
  const sink = { pending: () => {} }
  const compact = (id: string, digest: Uint8Array, permissions: string[] = ['rest.records.read']): CompactKey => ({
    id, digest, collectionId: 'c', licenceId: 'l', applicationKind: 'erp', status: 'active', expiresAt: null, graceUntil: null, allowedIps: [], permissions, rateLimitPerMinute: null,
  })

  it('compares every word of the digest: keys whose digests differ in any single byte are told apart', () => {
    // one home slot, so every probe walks the run and the full comparison decides
    const index = new VerifyIndex(() => Date.now(), sink, { homeSlots: 1 })
    index.setLicence('l', true)
    const secret = generateKey('erp_live')
    const digest = new Uint8Array(createHash('sha256').update(secret).digest())
    for (let byte = 0; byte < 32; byte++) {
      const near = digest.slice()
      near[byte]! ^= 0x80
      index.upsert(compact(`near-${byte}`, near))
    }
    expect(index.verify(secret).code).toBe('NOT_FOUND')
    index.upsert(compact('real', digest))
    expect(index.verify(secret)).toMatchObject({ code: 'VALID', keyId: 'real' })
    index.delete('real')
    expect(index.verify(secret).code).toBe('NOT_FOUND')
  })

  it('shares one frozen VALID answer per key version, and a changed key answers afresh', () => {
    const index = new VerifyIndex(() => Date.now(), sink)
    index.setLicence('l', true)
    const secret = generateKey('erp_live')
    const digest = new Uint8Array(createHash('sha256').update(secret).digest())
    index.upsert(compact('k', digest))
    const first = index.verify(secret)
    expect(Object.isFrozen(first)).toBe(true)
    expect(index.verify(secret)).toBe(first)
    index.upsert(compact('k', digest, ['rest.tasks.list']))
    expect(index.verify(secret)).toMatchObject({ code: 'VALID', permissions: ['rest.tasks.list'] })
    expect(index.verify(secret, undefined, 'rest.records.read').code).toBe('FORBIDDEN_METHOD')
  })
})

describe('VerifyIndex table upkeep', () => {
  const digestOf = (secret: string) => new Uint8Array(createHash('sha256').update(secret).digest())
  const entry = (id: string, secret: string, status: CompactKey['status'] = 'active'): CompactKey => ({
    id, digest: digestOf(secret), collectionId: 'c', licenceId: 'l', applicationKind: 'erp', status, expiresAt: null, graceUntil: null, allowedIps: [], permissions: ['rest.records.read'], rateLimitPerMinute: null,
  })

  it('finds exactly the stored keys after any mix of inserts, replacements, deletes and growth, however the slots crowd', () => {
    const secrets = Array.from({ length: 40 }, () => generateKey('erp_live'))
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), id: fc.nat(59), secret: fc.nat(39), status: fc.constantFrom('active' as const, 'inactive' as const) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.nat(59) }),
    )
    fc.assert(
      fc.property(fc.constantFrom(1, 4, undefined), fc.array(op, { minLength: 1, maxLength: 300 }), (homeSlots, ops) => {
        const index = new VerifyIndex(() => 0, { pending: () => {} }, { homeSlots })
        index.setLicence('l', true)
        // one id per secret at a time: the model keeps the last id that put it
        const model = new Map<number, { secret: number; status: 'active' | 'inactive' }>()
        for (const o of ops) {
          if (o.kind === 'put') {
            for (const [id, v] of model) if (v.secret === o.secret && id !== o.id) {
              index.delete(`k${id}`)
              model.delete(id)
            }
            index.upsert(entry(`k${o.id}`, secrets[o.secret]!, o.status))
            model.set(o.id, { secret: o.secret, status: o.status })
          } else {
            index.delete(`k${o.id}`)
            model.delete(o.id)
          }
        }
        expect(index.size).toBe(model.size)
        const owner = new Map([...model].map(([id, v]) => [v.secret, { id, status: v.status }]))
        for (const [i, secret] of secrets.entries()) {
          const expected = owner.get(i)
          const r = index.verify(secret)
          if (!expected) expect(r.code).toBe('NOT_FOUND')
          else expect(r).toMatchObject({ code: expected.status === 'active' ? 'VALID' : 'DISABLED', keyId: `k${expected.id}` })
        }
      }),
      { numRuns: 60 },
    )
  })

  it('keeps the state of every licence while their table grows', () => {
    const index = new VerifyIndex(() => 0, { pending: () => {} })
    const secrets = Array.from({ length: 300 }, () => generateKey('erp_live'))
    secrets.forEach((secret, i) => {
      index.setLicence(`l${i}`, i % 7 !== 0)
      index.upsert({ ...entry(`k${i}`, secret), licenceId: `l${i}` })
    })
    secrets.forEach((secret, i) => expect(index.verify(secret).code).toBe(i % 7 !== 0 ? 'VALID' : 'LICENCE_INACTIVE'))
  })

  it('grows past its first table with every key still found', () => {
    const index = new VerifyIndex(() => 0, { pending: () => {} })
    index.setLicence('l', true)
    const secrets = Array.from({ length: 5_000 }, () => generateKey('erp_live'))
    secrets.forEach((secret, i) => index.upsert(entry(`k${i}`, secret)))
    secrets.forEach((secret, i) => expect(index.verify(secret).keyId).toBe(`k${i}`))
    for (let i = 0; i < 5_000; i += 2) index.delete(`k${i}`)
    secrets.forEach((secret, i) => expect(index.verify(secret).code).toBe(i % 2 === 0 ? 'NOT_FOUND' : 'VALID'))
  })

  it('hands pending usage to the writer once per batch, keeps it across a replacement and a reload, and takes back a failed write', () => {
    let now = 1_000
    const told: number[] = []
    const index = new VerifyIndex(() => now, { pending: () => told.push(now) })
    index.setLicence('l', true)
    const a = generateKey('erp_live')
    const b = generateKey('erp_live')
    index.upsert(entry('a', a))
    index.upsert(entry('b', b))
    for (let i = 0; i < 3; i++) index.verify(a)
    now = 2_000
    index.verify(b)
    // told once, when the first use came in
    expect(told).toEqual([1_000])
    expect(index.pendingUsage('a')).toEqual({ count: 3, lastMs: 1_000 })
    // a refused verification is no use
    index.upsert(entry('b', b, 'inactive'))
    index.verify(b)
    // a replaced key (new status) keeps what was pending
    expect(index.pendingUsage('b')).toEqual({ count: 1, lastMs: 2_000 })
    const taken = index.takeUsage()
    expect(taken).toEqual([
      { id: 'a', count: 3, lastMs: 1_000 },
      { id: 'b', count: 1, lastMs: 2_000 },
    ])
    expect(index.hasPendingUsage).toBe(false)
    expect(index.takeUsage()).toEqual([])
    // the write failed: the counts come back on top of what arrived since, and the writer is told again
    now = 3_000
    index.verify(a)
    index.returnUsage(taken)
    expect(index.pendingUsage('a')).toEqual({ count: 4, lastMs: 3_000 })
    expect(index.pendingUsage('b')).toEqual({ count: 1, lastMs: 2_000 })
    expect(told).toEqual([1_000, 3_000, 3_000])
    // a limit takes part of the queue and leaves the rest
    expect(index.takeUsage(1)).toEqual([{ id: 'a', count: 4, lastMs: 3_000 }])
    expect(index.hasPendingUsage).toBe(true)
    // a reload keeps what nobody took yet; a deleted key's usage goes with it
    index.clear()
    expect(index.size).toBe(0)
    expect(index.takeUsage()).toEqual([{ id: 'b', count: 1, lastMs: 2_000 }])
    index.upsert(entry('a', a))
    index.delete('a')
    index.returnUsage([{ id: 'a', count: 9, lastMs: 9 }])
    expect(index.takeUsage()).toEqual([])
  })
})

describe('rotation', () => {
  it('issues the successor at once and keeps the predecessor valid until the grace deadline, then EXPIRED', async () => {
    const { collection, clock } = await setup()
    const old = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp', allowedIps: ['10.0.0.0/8'], rateLimitPerMinute: 1000 })
    const rotated = await t.client.call('keys.rotate', { id: old.key.id, graceHours: 24 })
    expect(rotated.secret).not.toBe(old.secret)
    expect(rotated.secret.startsWith('erp_live_')).toBe(true)
    expect(rotated.key).toMatchObject({ status: 'active', name: 'erp', allowedIps: ['10.0.0.0/8'], permissions: old.key.permissions, rateLimitPerMinute: 1000 })
    expect(rotated.key.rotation).toMatchObject({ state: 'none', predecessorId: old.key.id })
    const deadline = new Date(clock.now.getTime() + 24 * HOUR).toISOString()
    expect(rotated.predecessor.rotation).toMatchObject({ state: 'grace', successorId: rotated.key.id, graceUntil: deadline })
    expect(rotated.predecessor.status).toBe('active')

    const code = async (k: string) => (await t.client.call('keys.verify', { key: k, ip: '10.1.1.1' })).code
    expect(await code(old.secret)).toBe('VALID')
    expect(await code(rotated.secret)).toBe('VALID')
    expect((await t.client.call('keys.verify', { key: old.secret, ip: '10.1.1.1' })).validUntil).toBe(deadline)
    clock.advance(24 * HOUR - 1)
    expect(await code(old.secret)).toBe('VALID')
    clock.advance(1)
    expect(await code(old.secret)).toBe('EXPIRED')
    expect(await code(rotated.secret)).toBe('VALID')
    expect(await t.client.call('keys.get', { id: old.key.id })).toMatchObject({ status: 'expired', rotation: { state: 'replaced' } })

    // the predecessor cannot be edited, re-activated or rotated again, but can still be revoked
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.rotate', { id: old.key.id }), 'KEY_ROTATED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.setStatus', { id: old.key.id, status: 'inactive' }), 'KEY_ROTATED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.update', { id: old.key.id, name: 'x' }), 'KEY_ROTATED')
    expect((await t.client.call('keys.revoke', { id: old.key.id })).status).toBe('revoked')
    // the successor can be rotated in turn
    const third = await t.client.call('keys.rotate', { id: rotated.key.id, graceHours: 0 })
    expect(await code(rotated.secret)).toBe('EXPIRED')
    expect(await code(third.secret)).toBe('VALID')
    const actions = (await t.client.call('audit.list', { action: 'keys.rotate' })).entries
    expect(actions).toHaveLength(2)
    expect(JSON.stringify(actions)).not.toContain(third.secret)
  })

  it('revoking the predecessor ends its grace at once; revoking the successor leaves the predecessor in grace', async () => {
    const { collection } = await setup()
    const old = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'app' })
    const next = await t.client.call('keys.rotate', { id: old.key.id })
    await t.client.call('keys.revoke', { id: old.key.id })
    expect((await t.client.call('keys.verify', { key: old.secret })).code).toBe('REVOKED')
    expect((await t.client.call('keys.verify', { key: next.secret })).code).toBe('VALID')
    const again = await t.client.call('keys.rotate', { id: next.key.id })
    await t.client.call('keys.revoke', { id: again.key.id })
    expect((await t.client.call('keys.verify', { key: next.secret })).code).toBe('VALID')
    expect((await t.client.call('keys.verify', { key: again.secret })).code).toBe('REVOKED')
  })

  it('refuses to rotate a key on an inactive licence, changing nothing', async () => {
    const { collection, licence } = await setup()
    const { key } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    await t.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.rotate', { id: key.id }), 'LICENCE_REQUIRED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.rotate', { id: key.id, graceHours: -1 }), 'INVALID_INPUT')
  })
})
