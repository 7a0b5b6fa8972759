import { afterEach, describe, expect, it } from 'vitest'
import { BUILTIN_APPLICATIONS, CATALOG } from '../../src/core/catalog/catalog-data'
import { Catalog, catalogIds, PERMISSION_ID_PATTERN } from '../../src/shared/catalog'
import { openCore, type TestCore } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'
import { expectRefusedUnchanged } from '../helpers/store'

let t: TestCore
afterEach(async () => t?.close())

describe('permission catalog (data)', () => {
  it('is well formed: unique, patterned ids, known groups, templates from the catalog', () => {
    expect(Catalog.parse(CATALOG)).toEqual(CATALOG)
    const ids = catalogIds(CATALOG)
    expect(new Set(ids).size).toBe(ids.length)
    expect(CATALOG.rest.length).toBeGreaterThanOrEqual(40)
    expect(CATALOG.soap.length).toBeGreaterThanOrEqual(20)
    for (const id of ids) expect(id).toMatch(PERMISSION_ID_PATTERN)
    const groups = new Set(CATALOG.groups.map((g) => g.id))
    for (const entry of [...CATALOG.rest, ...CATALOG.soap]) expect(groups.has(entry.group)).toBe(true)
    for (const m of CATALOG.rest) {
      expect(m.id).toBe(`rest.${m.resource}.${m.id.split('.')[2]}`)
      expect(m.path.startsWith('/api/v1/')).toBe(true)
    }
    for (const o of CATALOG.soap) expect(o.id).toBe(`soap.${o.service}.${o.operation}`)
    // unique (verb, path) pairs: two ids never describe the same endpoint
    const endpoints = CATALOG.rest.map((m) => `${m.verb} ${m.path}`)
    expect(new Set(endpoints).size).toBe(endpoints.length)
    for (const app of BUILTIN_APPLICATIONS) {
      const template = CATALOG.templates[app.id]!
      expect(template.length).toBeGreaterThan(0)
      for (const id of template) expect(ids).toContain(id)
    }
  })
})

describe('catalog.get and application kinds', () => {
  it('serves the catalog and the built-in kinds', async () => {
    t = await openCore()
    expect(await t.client.call('catalog.get', {})).toEqual(CATALOG)
    const apps = await t.client.call('applications.list', {})
    expect(apps.map((a) => [a.id, a.name, a.prefix, a.builtin])).toEqual([
      ['erp', 'ERP', 'erp', true],
      ['mobile', 'Mobile App', 'mob', true],
      ['workflow', 'Workflow', 'wf', true],
    ])
  })

  it('adds and changes kinds; refuses bad prefixes, taken prefixes and unknown permissions', async () => {
    t = await openCore()
    const { collection } = await makeLicensedCollection(t.client)
    const crm = await t.client.call('applications.create', { name: 'CRM', prefix: 'crm', defaultPermissions: ['rest.contacts.read', 'rest.contacts.list'] })
    expect(crm).toMatchObject({ name: 'CRM', prefix: 'crm', builtin: false, defaultPermissions: ['rest.contacts.list', 'rest.contacts.read'] })
    for (const prefix of ['c', 'CRM', 'crm1', 'toolongprefix', 'c_m', '']) {
      await expectRefusedUnchanged(t.core, () => t.client.invoke('applications.create', { name: `X ${prefix}`, prefix }), 'APPLICATION_PREFIX_INVALID')
    }
    const taken = await expectRefusedUnchanged(t.core, () => t.client.invoke('applications.create', { name: 'Other', prefix: 'erp' }), 'APPLICATION_PREFIX_TAKEN')
    expect(taken).toContain('ERP')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('applications.create', { name: 'crm', prefix: 'crx' }), 'NAME_TAKEN')
    const unknown = await expectRefusedUnchanged(t.core, () => t.client.invoke('applications.create', { name: 'Y', prefix: 'yy', defaultPermissions: ['rest.nope.read'] }), 'PERMISSION_UNKNOWN')
    expect(unknown).toContain('"rest.nope.read"')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('applications.update', { id: 'nope' }), 'APPLICATION_NOT_FOUND')

    // keys of the new kind use its prefix and template
    const { key, secret } = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: crm.id, name: 'crm' })
    expect(secret.startsWith('crm_live_')).toBe(true)
    expect(key.permissions).toEqual(['rest.contacts.list', 'rest.contacts.read'])
    // a new prefix applies to new keys; existing keys keep theirs and still verify
    const changed = await t.client.call('applications.update', { id: crm.id, prefix: 'sales', defaultPermissions: ['rest.contacts.list'] })
    expect(changed).toMatchObject({ prefix: 'sales', defaultPermissions: ['rest.contacts.list'] })
    expect((await t.client.call('keys.verify', { key: secret })).code).toBe('VALID')
    const rotated = await t.client.call('keys.rotate', { id: key.id })
    expect(rotated.secret.startsWith('sales_live_')).toBe(true)
    // built-in templates can be tuned too
    const wf = await t.client.call('applications.update', { id: 'workflow', defaultPermissions: ['rest.tasks.list'] })
    expect(wf.defaultPermissions).toEqual(['rest.tasks.list'])
    const actions = (await t.client.call('audit.list', { entity: 'application' })).entries.map((e) => e.action)
    expect(actions).toEqual(['applications.update', 'applications.update', 'applications.create'])
  })

  it('keeps admin edits of built-in kinds when the vault is opened again', async () => {
    t = await openCore()
    await t.client.call('applications.update', { id: 'mobile', name: 'Field app' })
    await t.core.lock()
    await t.client.call('vault.unlock', { passphrase: 'correct horse battery staple 42' })
    expect((await t.client.call('applications.list', {})).find((a) => a.id === 'mobile')!.name).toBe('Field app')
  })
})
