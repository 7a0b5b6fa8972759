import { afterEach, describe, expect, it } from 'vitest'
import { CATALOG } from '../../../src/core/catalog/catalog-data'
import { verifyKeyFormat } from '../../../src/shared/key-format'
import { openCore, type TestCore } from '../../helpers/core'
import { makeLicensedCollection } from '../../helpers/keys'
import { expectRefusedUnchanged } from '../../helpers/store'

let t: TestCore
afterEach(async () => t?.close())

async function setup() {
  t = await openCore()
  return makeLicensedCollection(t.client)
}

describe('keys.create', () => {
  it('issues a key in the documented format, returns the secret once, stores only digest + sealed secret + hint', async () => {
    const { collection, licence } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP', audience: 'business' })
    expect(secret).toMatch(/^erp_live_[0-9A-Za-z]{38}$/)
    expect(verifyKeyFormat(secret)).toBe('VALID_FORMAT')
    expect(key).toMatchObject({
      collectionId: collection.id,
      licenceId: licence.id,
      applicationKind: 'erp',
      name: 'XSS ERP',
      audience: 'business',
      environment: 'live',
      status: 'active',
      prefix: 'erp_live',
      hint: `erp_live_${secret.slice(9, 13)}…${secret.slice(37, 41)}`,
      allowedIps: [],
      rotationDays: 90,
      rotation: { state: 'none', predecessorId: null, successorId: null },
      useCount: 0,
      lastUsedAt: null,
    })
    // default permissions: the application's template, in catalog order
    expect([...key.permissions].sort()).toEqual([...CATALOG.templates.erp!].sort())
    expect((await t.client.call('applications.list', {})).find((a) => a.id === 'erp')!.defaultPermissions).toEqual(key.permissions)
    expect(JSON.stringify(key)).not.toContain(secret.slice(9, 41))
    // the list and get never carry the secret
    expect(JSON.stringify(await t.client.call('keys.list', { collectionId: collection.id }))).not.toContain(secret)
    expect(JSON.stringify(await t.client.call('keys.get', { id: key.id }))).not.toContain(secret)
    const row = t.core.session().db.prepare('SELECT digest, secret, hint FROM api_keys WHERE id = ?').get(key.id) as { digest: Buffer; secret: Buffer; hint: string }
    expect(row.digest).toHaveLength(32)
    expect(row.secret.includes(Buffer.from(secret))).toBe(false)
  })

  it('uses each application prefix and the environment', async () => {
    const { collection } = await setup()
    const wf = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'wf', environment: 'test' })
    const mob = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'mob', audience: 'client' })
    expect(wf.secret.startsWith('wf_test_')).toBe(true)
    expect(mob.secret.startsWith('mob_live_')).toBe(true)
    expect(mob.key.permissions).toContain('rest.auth.login')
  })

  it('allows one active key per (licence, application kind), also in the store itself', async () => {
    const { collection } = await setup()
    const first = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'one' })
    const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'two' }), 'KEY_ALREADY_EXISTS_FOR_APPLICATION')
    expect(msg).toContain('"one"')
    // another application on the same licence is fine, so is an inactive second key
    await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'wf' })
    const spare = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'spare', active: false })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.setStatus', { id: spare.key.id, status: 'active' }), 'KEY_ALREADY_EXISTS_FOR_APPLICATION')
    // the partial unique index holds even if the service check were bypassed
    const db = t.core.session().db
    expect(() => db.prepare(`UPDATE api_keys SET status = 'active' WHERE id = ?`).run(spare.key.id)).toThrow(/UNIQUE/)
    await t.client.call('keys.setStatus', { id: first.key.id, status: 'inactive', reason: 'paused' })
    expect((await t.client.call('keys.setStatus', { id: spare.key.id, status: 'active' })).status).toBe('active')
    expect((await t.client.call('keys.get', { id: first.key.id })).statusReason).toBe('paused')
  })

  it('needs a live, active licence on the collection', async () => {
    const { collection, server, licence } = await setup()
    const bare = await t.client.call('collections.create', { serverId: server.id, name: 'unlicensed' })
    const m1 = await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.create', { collectionId: bare.id, applicationKind: 'erp', name: 'x' }), 'LICENCE_REQUIRED')
    expect(m1).toContain('no master licence')
    await t.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    const m2 = await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'x' }), 'LICENCE_REQUIRED')
    expect(m2).toContain('inactive')
  })

  it('refuses every bad field with a specific code and stores nothing', async () => {
    const { collection, server } = await setup()
    const base = { collectionId: collection.id, applicationKind: 'erp', name: 'k' }
    const other = await t.client.call('collections.create', { serverId: server.id, name: 'other' })
    const foreignGroup = await t.client.call('keyGroups.create', { collectionId: other.id, name: 'g' })
    const cases: [Record<string, unknown>, string, string?][] = [
      [{ allowedIps: ['10.0.0.1', '10.0.0.300'] }, 'IP_RULE_INVALID', '"10.0.0.300"'],
      [{ allowedIps: ['10.0.0.1/8'] }, 'IP_RULE_INVALID', 'did you mean 10.0.0.0/8'],
      [{ publicUrl: 'ftp://example.com' }, 'URL_INVALID', 'http'],
      [{ publicUrl: 'javascript:alert(1)' }, 'URL_INVALID'],
      [{ publicUrl: 'not a url' }, 'URL_INVALID'],
      [{ publicUrl: 'https://user:pw@example.com' }, 'URL_INVALID', 'user name or password'],
      [{ permissions: ['rest.records.read', 'rest.records.explode'] }, 'PERMISSION_UNKNOWN', '"rest.records.explode"'],
      [{ expiresAt: '2000-01-01T00:00:00Z' }, 'KEY_EXPIRY_INVALID'],
      [{ applicationKind: 'crm' }, 'APPLICATION_NOT_FOUND', '"crm"'],
      [{ groupId: foreignGroup.id }, 'KEY_GROUP_MISMATCH'],
      [{ groupId: '01900000-0000-7000-8000-000000000000' }, 'KEY_GROUP_NOT_FOUND'],
      [{ collectionId: '01900000-0000-7000-8000-000000000000' }, 'COLLECTION_NOT_FOUND'],
      [{ name: '  ' }, 'NAME_INVALID'],
      [{ rotationDays: 0 }, 'INVALID_INPUT'],
      [{ rateLimitPerMinute: 0 }, 'INVALID_INPUT'],
      [{ audience: 'partner' }, 'INVALID_INPUT'],
      [{ surprise: 1 }, 'INVALID_INPUT'],
    ]
    for (const [patch, code, text] of cases) {
      const message = await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.create', { ...base, ...patch } as never), code)
      if (text) expect(message).toContain(text)
    }
    expect(await t.client.call('keys.list', {})).toEqual([])
  })

  it('normalises fields: IPs canonical and folded, URL, permissions in catalog order', async () => {
    const { collection } = await setup()
    const { key } = await t.client.call('keys.create', {
      collectionId: collection.id,
      applicationKind: 'erp',
      name: '  Partner ERP  ',
      allowedIps: ['10.0.0.0/8', '::ffff:10.0.0.0/104', '2001:DB8::1', '2001:db8:0::1'],
      publicUrl: 'https://Portal.Example.com',
      permissions: ['soap.RecordService.GetRecord', 'rest.records.read', 'rest.records.read'],
      rotationDays: 365,
      rateLimitPerMinute: 600,
      expiresAt: '2099-01-01T00:00:00+02:00',
    })
    expect(key).toMatchObject({
      name: 'Partner ERP',
      allowedIps: ['10.0.0.0/8', '2001:db8::1'],
      publicUrl: 'https://portal.example.com/',
      permissions: ['rest.records.read', 'soap.RecordService.GetRecord'],
      rateLimitPerMinute: 600,
      expiresAt: '2098-12-31T22:00:00.000Z',
    })
    expect(key.warnings.map((w) => w.code)).toEqual(['ROTATION_OUTSIDE_RECOMMENDED'])
  })
})

describe('keys.update, setStatus, revoke, delete', () => {
  it('updates settings, audits field names only, and refuses bad values unchanged', async () => {
    const { collection } = await setup()
    const { key } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'wf' })
    const group = await t.client.call('keyGroups.create', { collectionId: collection.id, name: 'Integrations' })
    const updated = await t.client.call('keys.update', {
      id: key.id,
      name: 'Workflow prod',
      description: 'the BPM engine',
      groupId: group.id,
      allowedIps: ['192.0.2.0/24'],
      permissions: ['rest.tasks.list'],
      publicUrl: 'https://bpm.example.com/portal',
      rotationDays: 120,
      rateLimitPerMinute: 100,
    })
    expect(updated).toMatchObject({ name: 'Workflow prod', groupId: group.id, allowedIps: ['192.0.2.0/24'], permissions: ['rest.tasks.list'], rotationDays: 120, warnings: [] })
    const entry = (await t.client.call('audit.list', { action: 'keys.update' })).entries[0]!
    expect(entry.details).toEqual({ fields: ['name', 'description', 'group_id', 'allowed_ips', 'public_url', 'permissions', 'rotation_days', 'rate_limit_per_minute'] })
    const cleared = await t.client.call('keys.update', { id: key.id, groupId: null, publicUrl: null, rateLimitPerMinute: null })
    expect(cleared).toMatchObject({ groupId: null, publicUrl: null, rateLimitPerMinute: null })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.update', { id: key.id, allowedIps: ['nope'] }), 'IP_RULE_INVALID')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.update', { id: key.id, permissions: ['soap.Nope.Nope'] }), 'PERMISSION_UNKNOWN')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.update', { id: '01900000-0000-7000-8000-000000000000', name: 'x' }), 'KEY_NOT_FOUND')
    // an update that changes nothing writes nothing
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.get', { id: '01900000-0000-7000-8000-000000000000' }), 'KEY_NOT_FOUND')
  })

  it('revoked is terminal: no update, no setStatus, no rotation, not even in the store', async () => {
    const { collection } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    const revoked = await t.client.call('keys.revoke', { id: key.id, reason: 'leaked in a ticket' })
    expect(revoked).toMatchObject({ status: 'revoked', statusReason: 'leaked in a ticket' })
    expect(revoked.revokedAt).not.toBeNull()
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.setStatus', { id: key.id, status: 'active' }), 'KEY_REVOKED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.setStatus', { id: key.id, status: 'inactive' }), 'KEY_REVOKED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.update', { id: key.id, name: 'revived' }), 'KEY_REVOKED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.rotate', { id: key.id }), 'KEY_REVOKED')
    // revoking twice changes nothing
    const before = (await t.client.call('audit.list', {})).total
    await t.client.call('keys.revoke', { id: key.id })
    expect((await t.client.call('audit.list', {})).total).toBe(before)
    expect(() => t.core.session().db.prepare(`UPDATE api_keys SET status = 'active' WHERE id = ?`).run(key.id)).toThrow(/cannot be reactivated/)
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('REVOKED')
    // its slot is free again
    await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp 2' })
  })

  it('deletes (tombstones) a key: gone from lists, verify says NOT_FOUND', async () => {
    const { collection } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    await t.client.call('keys.delete', { id: key.id })
    expect(await t.client.call('keys.list', {})).toEqual([])
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.reveal', { id: key.id }), 'KEY_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keys.delete', { id: key.id }), 'KEY_NOT_FOUND')
  })

  it('filters lists by collection, group, application and status', async () => {
    const { collection } = await setup()
    const g = await t.client.call('keyGroups.create', { collectionId: collection.id, name: 'G' })
    const a = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'a', groupId: g.id })
    await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'b' })
    await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'c', active: false })
    const names = async (f: object) => (await t.client.call('keys.list', f)).map((k) => k.name)
    expect(await names({ collectionId: collection.id })).toEqual(['a', 'b', 'c'])
    expect(await names({ groupId: g.id })).toEqual(['a'])
    expect(await names({ applicationKind: 'workflow' })).toEqual(['b'])
    expect(await names({ status: 'inactive' })).toEqual(['c'])
    await t.client.call('keys.revoke', { id: a.key.id })
    expect(await names({ status: 'revoked' })).toEqual(['a'])
  })
})

describe('licences carrying keys', () => {
  it('refuses to rebind a licence whose keys would be orphaned, and keeps the audit chain intact', async () => {
    const { collection, server, licence } = await setup()
    const other = await t.client.call('collections.create', { serverId: server.id, name: 'other' })
    const { key } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    expect((await t.client.call('licences.get', { id: licence.id })).keyCount).toBe(1)
    const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('licences.rebind', { id: licence.id, collectionId: other.id }), 'LICENCE_HAS_KEYS')
    expect(msg).toContain('1 API key')
    await t.client.call('keys.revoke', { id: key.id })
    expect((await t.client.call('licences.rebind', { id: licence.id, collectionId: other.id })).collectionId).toBe(other.id)
    expect(await t.client.call('audit.verify', {})).toMatchObject({ ok: true })
  })
})

describe('reveal and copy', () => {
  it('return the secret and audit each disclosure without the secret', async () => {
    const { collection } = await setup()
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    expect(await t.client.call('keys.reveal', { id: key.id })).toEqual({ secret })
    expect(await t.client.call('keys.copy', { id: key.id })).toEqual({ secret })
    const { entries } = await t.client.call('audit.list', { entity: 'api_key', entityId: key.id })
    expect(entries.map((e) => e.action)).toEqual(['keys.copy', 'keys.reveal', 'keys.create'])
    for (const e of entries) {
      expect(e.actor).toBe('test-admin')
      expect(JSON.stringify(e)).not.toContain(secret.slice(9, 41))
    }
  })

  it('refuses a sealed secret moved into another row (AAD binds it to its row)', async () => {
    const { collection } = await setup()
    const a = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'a' })
    const b = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'b' })
    const db = t.core.session().db
    db.prepare('UPDATE api_keys SET secret = (SELECT secret FROM api_keys WHERE id = ?) WHERE id = ?').run(a.key.id, b.key.id)
    const r = await t.client.invoke('keys.reveal', { id: b.key.id })
    expect(r.ok ? 'ok' : r.error.code).toBe('VAULT_CORRUPT')
  })
})

describe('key groups', () => {
  it('create, rename, list with counts, delete empties the group', async () => {
    const { collection } = await setup()
    const g = await t.client.call('keyGroups.create', { collectionId: collection.id, name: 'Partners' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keyGroups.create', { collectionId: collection.id, name: 'partners' }), 'NAME_TAKEN')
    const k1 = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'k1', groupId: g.id })
    const k2 = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'k2', groupId: g.id })
    expect((await t.client.call('keyGroups.list', { collectionId: collection.id }))[0]).toMatchObject({ name: 'Partners', keyCount: 2 })
    expect((await t.client.call('keyGroups.rename', { id: g.id, name: 'ERP partners' })).name).toBe('ERP partners')
    const done = await t.client.call('keyGroups.delete', { id: g.id })
    expect(done.ungroupedKeyIds.sort()).toEqual([k1.key.id, k2.key.id].sort())
    expect(await t.client.call('keyGroups.list', { collectionId: collection.id })).toEqual([])
    expect((await t.client.call('keys.get', { id: k1.key.id })).groupId).toBeNull()
    await expectRefusedUnchanged(t.core, () => t.client.invoke('keyGroups.rename', { id: g.id, name: 'x' }), 'KEY_GROUP_NOT_FOUND')
  })
})
