import { afterEach, describe, expect, it } from 'vitest'
import { parseOptions } from '@node-rs/argon2'
import { openCore, type TestCore } from '../../helpers/core'
import { expectRefusedUnchanged } from '../../helpers/store'
import { makeKeyedCollection, makeUser } from '../../helpers/users'
import { CLIENT_ID_PATTERN } from '../../../src/shared/contract/users'

let t: TestCore
afterEach(async () => t?.close())

async function setup() {
  t = await openCore()
  return makeKeyedCollection(t.client)
}

const STRONG = 'Tapioca-Verdigris-81-Quokka'

describe('users.create', () => {
  it('creates a user with a generated client ID and password, returned once and stored only as an Argon2id hash', async () => {
    const { collection, key } = await setup()
    const { user, password } = await makeUser(t.client, collection.id, key.id)
    expect(password).toMatch(/^[0-9A-Za-z]{28}$/)
    expect(user).toMatchObject({
      collectionId: collection.id,
      regionId: collection.regionId,
      keyId: key.id,
      username: 'svc-erp',
      status: 'active',
      type: 'own_records',
      contact: null,
      permissionProfile: 'standard',
      authMethod: 'password',
      totpPending: false,
      restPermissions: ['rest.records.read', 'rest.invoices.list'],
      soapPermissions: ['soap.RecordService.GetRecord'],
      restEndpoint: 'https://erp.acme.example/rest/v1',
      soapEndpoint: 'https://erp.acme.example/soap',
      lastTokenAt: null,
    })
    expect(user.clientId).toMatch(CLIENT_ID_PATTERN)
    const row = t.core.session().db.prepare('SELECT password_hash FROM service_users WHERE id = ?').get(user.id) as { password_hash: string }
    expect(row.password_hash.startsWith('$argon2id$')).toBe(true)
    const params = parseOptions(row.password_hash)
    expect(params.memoryCost).toBeGreaterThanOrEqual(19 * 1024)
    expect(row.password_hash).not.toContain(password)
    // never again: not in get, list or the audit log
    expect(JSON.stringify(await t.client.call('users.get', { id: user.id }))).not.toContain(password)
    expect(JSON.stringify(await t.client.call('users.list', { collectionId: collection.id }))).not.toContain(password)
    const audit = await t.client.call('audit.list', { entity: 'service_user', entityId: user.id })
    expect(audit.entries.map((e) => e.action)).toEqual(['users.create'])
    expect(JSON.stringify(audit)).not.toContain(password)
    expect(audit.entries[0]!.details).toMatchObject({ passwordGenerated: true, username: 'svc-erp' })
  })

  it('takes an admin-set password only when it is strong, and then does not echo it', async () => {
    const { collection, key } = await setup()
    for (const weak of ['password1', 'svc-erp-2024!!', 'aaaaaaaaaaaaaaaa']) {
      const msg = await expectRefusedUnchanged(t.core, () => t.client.invoke('users.create', { collectionId: collection.id, keyId: key.id, username: 'svc-erp', password: weak }), 'USER_PASSWORD_WEAK')
      expect(msg).not.toContain(weak)
    }
    const { password } = await t.client.call('users.create', { collectionId: collection.id, keyId: key.id, username: 'svc-erp', password: STRONG })
    expect(password).toBeNull()
  })

  it('gives every user its own client ID', async () => {
    const { collection, key } = await setup()
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) ids.add((await t.client.call('users.create', { collectionId: collection.id, keyId: key.id, username: `svc-${i}` })).user.clientId)
    expect(ids.size).toBe(5)
  })

  it('refuses bad fields with specific codes and leaves the store unchanged', async () => {
    const { collection, key, server } = await setup()
    const base = { collectionId: collection.id, keyId: key.id, username: 'svc-erp' }
    await makeUser(t.client, collection.id, key.id)
    const refuse = (input: Partial<typeof base> & Record<string, unknown>, code: string) =>
      expectRefusedUnchanged(t.core, () => t.client.invoke('users.create', { ...base, ...input } as never), code)
    await refuse({ username: 'SVC-ERP' }, 'USERNAME_TAKEN')
    await refuse({ username: 'x' }, 'USERNAME_INVALID')
    await refuse({ username: 'has space' }, 'USERNAME_INVALID')
    await refuse({ username: 'svc-2', type: 'contact_records' }, 'USER_CONTACT_REQUIRED')
    await refuse({ username: 'svc-2', contact: 'line\nbreak' }, 'USER_CONTACT_INVALID')
    await refuse({ username: 'svc-2', restPermissions: ['rest.nope.nope'] }, 'PERMISSION_UNKNOWN')
    await refuse({ username: 'svc-2', restPermissions: ['soap.RecordService.GetRecord'] }, 'PERMISSION_UNKNOWN')
    const notInKey = await refuse({ username: 'svc-2', restPermissions: ['rest.users.create'] }, 'PERMISSION_NOT_IN_KEY')
    expect(notInKey).toContain('rest.users.create')
    await refuse({ username: 'svc-2', restEndpoint: 'ftp://x.example' }, 'ENDPOINT_INVALID')
    await refuse({ username: 'svc-2', soapEndpoint: 'https://user:pw@x.example/soap' }, 'ENDPOINT_INVALID')
    await refuse({ username: 'svc-2', soapEndpoint: 'not a url' }, 'ENDPOINT_INVALID')
    await refuse({ username: 'svc-2', type: 'everything' }, 'INVALID_INPUT')
    await refuse({ username: 'svc-2', keyId: '0190a000-0000-7000-8000-000000000000' }, 'USER_KEY_INVALID')
    // a key of another collection
    const other = await t.client.call('collections.create', { serverId: server.id, name: 'other' })
    await refuse({ username: 'svc-2', collectionId: other.id }, 'USER_KEY_INVALID')
    // a revoked key
    await t.client.call('keys.revoke', { id: key.id })
    await refuse({ username: 'svc-2' }, 'USER_KEY_INVALID')
  })

  it('needs a contact only for contact-scoped types', async () => {
    const { collection, key } = await setup()
    const { user } = await t.client.call('users.create', { collectionId: collection.id, keyId: key.id, username: 'portal-sync', type: 'contact_records', contact: 'CT-1042' })
    expect(user).toMatchObject({ type: 'contact_records', contact: 'CT-1042' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.update', { id: user.id, contact: null }), 'USER_CONTACT_REQUIRED')
    const changed = await t.client.call('users.update', { id: user.id, type: 'group_records', contact: null })
    expect(changed).toMatchObject({ type: 'group_records', contact: null })
  })
})

describe('users.update / setStatus / delete / resetPassword', () => {
  it('changes fields, checks permissions against the key, audits field names only', async () => {
    const { collection, key } = await setup()
    const { user } = await makeUser(t.client, collection.id, key.id)
    const updated = await t.client.call('users.update', { id: user.id, username: 'svc-erp-2', permissionProfile: 'read_only', restPermissions: ['rest.records.list'], restEndpoint: null })
    expect(updated).toMatchObject({ username: 'svc-erp-2', permissionProfile: 'read_only', restPermissions: ['rest.records.list'], restEndpoint: null, clientId: user.clientId })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.update', { id: user.id, soapPermissions: ['soap.UserService.Authenticate'] }), 'PERMISSION_NOT_IN_KEY')
    const audit = await t.client.call('audit.list', { action: 'users.update' })
    expect(audit.entries[0]!.details).toMatchObject({ fields: ['username', 'permission_profile', 'rest_permissions', 'rest_endpoint'], from: 'svc-erp', to: 'svc-erp-2' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.update', { id: '0190a000-0000-7000-8000-000000000000', username: 'x-y-z' }), 'USER_NOT_FOUND')
  })

  it('moves to another key of the same collection only if its permissions fit', async () => {
    const { collection, key } = await setup()
    const { user } = await makeUser(t.client, collection.id, key.id)
    const wf = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'Workflow' })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.update', { id: user.id, keyId: wf.key.id }), 'PERMISSION_NOT_IN_KEY')
    const moved = await t.client.call('users.update', { id: user.id, keyId: wf.key.id, restPermissions: ['rest.records.read'], soapPermissions: [] })
    expect(moved.keyId).toBe(wf.key.id)
  })

  it('follows its key through rotation', async () => {
    const { collection, key } = await setup()
    const { user } = await makeUser(t.client, collection.id, key.id)
    const rotated = await t.client.call('keys.rotate', { id: key.id })
    expect((await t.client.call('users.get', { id: user.id })).keyId).toBe(rotated.key.id)
    expect((await t.client.call('users.list', { keyId: rotated.key.id })).map((u) => u.id)).toEqual([user.id])
    expect((await t.client.call('users.list', { keyId: key.id })).map((u) => u.id)).toEqual([user.id])
  })

  it('sets the status, tombstones on delete and frees the username', async () => {
    const { collection, key } = await setup()
    const { user } = await makeUser(t.client, collection.id, key.id)
    expect((await t.client.call('users.setStatus', { id: user.id, status: 'inactive' })).status).toBe('inactive')
    await t.client.call('users.delete', { id: user.id })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.get', { id: user.id }), 'USER_NOT_FOUND')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.delete', { id: user.id }), 'USER_NOT_FOUND')
    const row = t.core.session().db.prepare('SELECT deleted_at FROM service_users WHERE id = ?').get(user.id) as { deleted_at: string | null }
    expect(row.deleted_at).not.toBeNull()
    const again = await makeUser(t.client, collection.id, key.id)
    expect(again.user.clientId).not.toBe(user.clientId)
  })

  it('resets the password: the old one stops working, the new one is returned once', async () => {
    const { collection, key } = await setup()
    const { user, password } = await makeUser(t.client, collection.id, key.id)
    const reset = await t.client.call('users.resetPassword', { id: user.id })
    expect(reset.password).toMatch(/^[0-9A-Za-z]{28}$/)
    expect(reset.password).not.toBe(password)
    const creds = { userId: user.id, clientId: user.clientId }
    expect((await t.client.invoke('tokens.generate', { ...creds, password })).ok).toBe(false)
    expect((await t.client.invoke('tokens.generate', { ...creds, password: reset.password! })).ok).toBe(true)
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.resetPassword', { id: user.id, password: 'short' }), 'USER_PASSWORD_WEAK')
    expect((await t.client.call('users.resetPassword', { id: user.id, password: STRONG })).password).toBeNull()
  })
})
