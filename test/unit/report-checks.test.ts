import { randomUUID } from 'node:crypto'
import { Secret } from 'otpauth'
import { afterEach, describe, expect, it } from 'vitest'
import { getCatalog } from '../../src/core/catalog/catalog'
import { totpCodeAt } from '../../src/core/users/totp'
import type { Finding } from '../../src/shared/contract/audit'
import { makeTopology, openCore, type TestCore } from '../helpers/core'
import { makeLicensedCollection, testClock } from '../helpers/keys'
import { makeUser } from '../helpers/users'

/**
 * The offline audit checks: each situation is built through the contract (or, where the
 * contract refuses to create it, as data arriving from elsewhere would), and the report must
 * hold exactly the expected findings, each with a fix link.
 */
const DAY = 86_400_000
const ALL_METHODS = [...getCatalog().rest.map((m) => m.id), ...getCatalog().soap.map((o) => o.id)]
const IPS = ['10.0.0.0/8']
let t: TestCore | undefined

afterEach(async () => {
  await t?.close()
  t = undefined
})

async function setup() {
  const clock = testClock('2026-01-15T10:00:00.000Z')
  t = await openCore({ clock: clock.clock })
  return { t, clock, ...(await makeLicensedCollection(t.client)) }
}

async function findings(options: { expiringWithinDays?: number; unusedForDays?: number } = {}): Promise<Finding[]> {
  const { report } = await t!.client.call('audit.report', { formats: ['json'], ...options })
  expect(report.auditChain.ok).toBe(true)
  for (const f of report.findings) {
    if (f.kind !== 'audit_chain_verified') expect(f.fix.route, f.kind).toMatch(/^\/(keys|users|clients|collections)\/[0-9a-f-]{36}$/)
  }
  return report.findings.filter((f) => f.kind !== 'audit_chain_verified')
}

const kinds = (list: Finding[]) => list.map((f) => [f.kind, f.entityId]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))
const sorted = (list: (string | null)[][]) => [...list].sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`))

describe('key checks', () => {
  it('a well-kept key (restricted IPs, template permissions, used, young) makes no finding', async () => {
    const { t, collection } = await setup()
    const k = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS })
    expect((await t.client.call('keys.verify', { key: k.secret, ip: '10.0.0.1' })).code).toBe('VALID')
    expect(await findings()).toEqual([])
  })

  it('rotation age and expiry within the window', async () => {
    const { t, clock, collection } = await setup()
    const old = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS, rotationDays: 30 })
    const soon = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'WF', allowedIps: IPS, expiresAt: new Date(clock.now.getTime() + 40 * DAY).toISOString() })
    const later = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Mob', allowedIps: IPS, expiresAt: new Date(clock.now.getTime() + 80 * DAY).toISOString() })
    clock.advance(31 * DAY)
    for (const k of [old, soon, later]) expect((await t.client.call('keys.verify', { key: k.secret, ip: '10.0.0.2' })).code).toBe('VALID')
    const list = await findings({ expiringWithinDays: 30 })
    expect(kinds(list)).toEqual(sorted([['key_rotation_overdue', old.key.id], ['key_expiring', soon.key.id]]))
    expect(list.find((f) => f.kind === 'key_expiring')!.title).toContain('expires in 9 days')
    // a wider window catches the later one too; a rotation ends the overdue finding
    await t.client.call('keys.rotate', { id: old.key.id, graceHours: 0 })
    expect(kinds(await findings({ expiringWithinDays: 60 }))).toEqual(sorted([['key_expiring', soon.key.id], ['key_expiring', later.key.id]]))
  })

  it('never used (after a week) and unused for N days; inactive keys are not nagged about use', async () => {
    const { t, clock, collection } = await setup()
    const never = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS, rotationDays: 365 })
    const idle = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'WF', allowedIps: IPS, rotationDays: 365 })
    const busy = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Mob', allowedIps: IPS, rotationDays: 365 })
    expect(await findings()).toEqual([])
    clock.advance(DAY)
    await t.client.call('keys.verify', { key: idle.secret, ip: '10.9.9.9' })
    clock.advance(95 * DAY)
    await t.client.call('keys.verify', { key: busy.secret, ip: '10.9.9.9' })
    clock.advance(4 * DAY)
    expect(kinds(await findings({ unusedForDays: 90 }))).toEqual(sorted([['key_never_used', never.key.id], ['key_unused', idle.key.id]]))
    expect(kinds(await findings({ unusedForDays: 100 }))).toEqual(sorted([['key_never_used', never.key.id]]))
    await t.client.call('keys.setStatus', { id: never.key.id, status: 'inactive' })
    expect(kinds(await findings({ unusedForDays: 100 }))).toEqual([])
  })

  it('every IP, every method, more than the application template', async () => {
    const { t, collection } = await setup()
    const open = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP' })
    const all = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'WF', allowedIps: IPS, permissions: ALL_METHODS })
    const mobileTemplate = getCatalog().templates.mobile!
    const extra = ALL_METHODS.find((id) => !mobileTemplate.includes(id))!
    const wide = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Mob', allowedIps: IPS, permissions: [...mobileTemplate, extra] })
    const list = await findings()
    expect(kinds(list)).toEqual(sorted([['key_allows_every_ip', open.key.id], ['key_permissions_all', all.key.id], ['key_permissions_beyond_template', wide.key.id]]))
    expect(list.find((f) => f.kind === 'key_permissions_beyond_template')!.detail).toContain(extra)
    await t.client.call('keys.update', { id: open.key.id, allowedIps: ['192.0.2.0/24'] })
    await t.client.call('keys.update', { id: wide.key.id, permissions: mobileTemplate })
    expect(kinds(await findings())).toEqual(sorted([['key_permissions_all', all.key.id]]))
  })
})

describe('licence checks', () => {
  it('a key on a collection whose licence is inactive', async () => {
    const { t, collection, licence } = await setup()
    const k = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS })
    expect(await findings()).toEqual([])
    await t.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    const list = await findings()
    expect(kinds(list)).toEqual([['key_on_unlicensed_collection', k.key.id]])
    expect(list[0]!.fix.route).toBe(`/collections/${collection.id}`)
  })

  it('licences over the tier and two active keys for one application, as data synced or imported from elsewhere', async () => {
    const { t, customer, collection } = await setup()
    const k = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS })
    // the contract refuses both situations …
    const second = (await makeTopology(t.client, { region: 'us-east', server: 'db-02', collection: 'acme-test' })).collection
    const third = (await makeTopology(t.client, { region: 'ap-south', server: 'db-03', collection: 'acme-dr' })).collection
    const secondLicence = await t.client.call('licences.create', { clientId: customer.id, collectionId: second.id })
    const refused = await t.client.invoke('licences.create', { clientId: customer.id, collectionId: third.id })
    expect(refused.ok ? 'ok' : refused.error.code).toBe('LICENCE_LIMIT_REACHED')
    const dup = await t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP 2', allowedIps: IPS })
    expect(dup.ok ? 'ok' : dup.error.code).toBe('KEY_ALREADY_EXISTS_FOR_APPLICATION')
    expect(await findings()).toEqual([])
    // … but a store can still hold them (another device's sync, an older version); the store
    // itself only enforces one active key per licence and application, so the twin names
    // the client's other licence
    const db = t.core.session().db
    const now = new Date().toISOString()
    db.prepare(`INSERT INTO licences (id, client_id, collection_id, status, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)`).run(randomUUID(), customer.id, third.id, now, now)
    const columns = (db.prepare('PRAGMA table_info(api_keys)').all() as { name: string }[]).map((c) => c.name)
    const twinId = randomUUID()
    const values = columns.map((c) => (c === 'id' || c === 'licence_id' ? '?' : c === 'digest' ? 'randomblob(32)' : c === 'name' ? "'ERP twin'" : c))
    db.prepare(`INSERT INTO api_keys (${columns.join(', ')}) SELECT ${values.join(', ')} FROM api_keys WHERE id = ?`).run(...columns.filter((c) => c === 'id' || c === 'licence_id').map((c) => (c === 'id' ? twinId : secondLicence.id)), k.key.id)
    const list = await findings()
    expect(kinds(list)).toEqual(sorted([['licences_over_tier', customer.id], ['duplicate_active_keys', `${collection.id}/erp`]]))
    expect(list.find((f) => f.kind === 'licences_over_tier')!.title).toBe('Client "Acme" holds 3 master licences; Gold allows 2')
    expect(list.find((f) => f.kind === 'duplicate_active_keys')!.detail).toContain(twinId)
  })
})

describe('service user checks', () => {
  it('no 2FA, disabled with live tokens, permissions beyond the template', async () => {
    const { t, clock, collection } = await setup()
    const erpTemplate = getCatalog().templates.erp!
    const extra = ALL_METHODS.find((id) => id.startsWith('rest.') && !erpTemplate.includes(id))!
    const k = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP', allowedIps: IPS, permissions: [...erpTemplate, extra] })
    const plain = await makeUser(t.client, collection.id, k.key.id, { username: 'svc-plain', restPermissions: ['rest.records.read'], soapPermissions: [] })
    const strong = await makeUser(t.client, collection.id, k.key.id, { username: 'svc-strong', authMethod: 'password_totp', restPermissions: ['rest.records.read'], soapPermissions: [] })
    const secret = Buffer.from(Secret.fromBase32(strong.totp!.secret).bytes)
    await t.client.call('users.confirmTotp', { id: strong.user.id, code: totpCodeAt(secret, clock.now.getTime()) })
    const wide = await makeUser(t.client, collection.id, k.key.id, { username: 'svc-wide', authMethod: 'password_totp', restPermissions: ['rest.records.read', extra], soapPermissions: [] })
    await t.client.call('users.confirmTotp', { id: wide.user.id, code: totpCodeAt(Buffer.from(Secret.fromBase32(wide.totp!.secret).bytes), clock.now.getTime()) })
    const gone = await makeUser(t.client, collection.id, k.key.id, { username: 'svc-gone', restPermissions: ['rest.records.read'], soapPermissions: [] })
    await t.client.call('tokens.generate', { userId: gone.user.id, clientId: gone.user.clientId, password: gone.password })
    await t.client.call('users.setStatus', { id: gone.user.id, status: 'inactive' })

    const list = await findings()
    expect(kinds(list)).toEqual(
      sorted([
        ['key_permissions_beyond_template', k.key.id],
        ['user_without_2fa', plain.user.id],
        ['user_permissions_over_broad', wide.user.id],
        ['disabled_user_with_active_tokens', gone.user.id],
      ]),
    )
    expect(list.find((f) => f.kind === 'disabled_user_with_active_tokens')!.fix.route).toBe(`/users/${gone.user.id}`)
    // revoking the token clears that finding; the token's expiry would too
    const [token] = await t.client.call('tokens.history', { userId: gone.user.id })
    await t.client.call('tokens.revoke', { id: token!.id })
    expect(kinds(await findings()).map((f) => f[0])).not.toContain('disabled_user_with_active_tokens')
  })
})
