import { armor, Decrypter, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import { afterEach, describe, expect, it } from 'vitest'
import { Secret } from 'otpauth'
import { generateKey } from '../../src/core/keys/generate-key'
import { totpCodeAt } from '../../src/core/users/totp'
import { canonicalBytes, canonicalPrettyJson, generateSigningKeyPair, signingKeyFromDer } from '../../src/core/signing/signature'
import type { BundleManifest } from '../../src/shared/contract/bundles'
import { openCore, PASSPHRASE, type TestCore } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'
import { expectRefusedUnchanged, storeSnapshot } from '../helpers/store'
import { makeUser } from '../helpers/users'

/**
 * Importing bundles that carry keys, service users and tokens: installation A exports,
 * installation B (another real vault) imports. Rules: src/core/bundles/bundle-import.ts.
 */
const FAST = { bundles: { scryptWorkFactor: 10 } }
const cores: TestCore[] = []
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
})

async function vault() {
  const t = await openCore(FAST)
  cores.push(t)
  return t
}

/** Installation A: a licensed collection with two active keys, two service users and a token. */
async function installationA() {
  const a = await vault()
  const base = await makeLicensedCollection(a.client)
  const cid = base.collection.id
  const erp = await a.client.call('keys.create', { collectionId: cid, applicationKind: 'erp', name: 'XSS ERP', allowedIps: ['10.0.0.0/8'], publicUrl: 'https://erp.acme.example' })
  const wf = await a.client.call('keys.create', { collectionId: cid, applicationKind: 'workflow', name: 'Flows', active: false })
  const alice = await makeUser(a.client, cid, erp.key.id, { username: 'svc-alice' })
  const bob = await makeUser(a.client, cid, erp.key.id, { username: 'svc-bob' })
  const token = await a.client.call('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: alice.password })
  const identity = await generateIdentity()
  const recipients = [await identityToRecipient(identity)]
  const exportAll = () => a.client.call('bundles.export', { collectionId: cid, recipients, items: { keys: 'all', serviceUsers: 'all', tokens: true } })
  return { a, cid, base, erp, wf, alice, bob, token, identity, recipients, exportAll }
}

/** The decrypted envelope, edited and signed again by a key of its own: what a real exporter never makes. */
async function craft(file: string, identity: string, edit: (m: BundleManifest) => void) {
  const d = new Decrypter()
  d.addIdentity(identity)
  const envelope = JSON.parse(await d.decrypt(armor.decode(Buffer.from(file, 'base64').toString()), 'text')) as { manifest: BundleManifest }
  const key = signingKeyFromDer(generateSigningKeyPair().privateKeyDer)
  const manifest = { ...envelope.manifest, bundleId: crypto.randomUUID(), signer: key.signer }
  edit(manifest)
  const e = new Encrypter()
  e.addRecipient(await identityToRecipient(identity))
  const crafted = { ...envelope, manifest, signer: key.signer, signature: key.sign(canonicalBytes(manifest)) }
  return Buffer.from(await e.encrypt(canonicalPrettyJson(crafted))).toString('base64')
}

describe('bundle import of keys, service users and tokens', () => {
  it('round trip A → B: B verifies A\'s key secrets as VALID, lists the users, needs a password before tokens, skips tokens with a reason', async () => {
    const { cid, base, erp, wf, alice, bob, token, identity, exportAll } = await installationA()
    const out = await exportAll()
    const b = await vault()
    const acme = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    const changed = new Set<string>()
    b.core.on('data.changed', ({ domain }) => changed.add(domain))
    const r = await b.client.call('bundles.import', { file: out.file, identities: [identity], licenceClientId: acme.id })
    // every screen showing what the import added reloads: topology, licences, keys, records
    for (const domain of ['regions', 'servers', 'collections', 'clients', 'licences', 'keys', 'users']) expect(changed).toContain(domain)

    expect(r.items).toEqual({ keys: { created: 2, updated: 0, skipped: 0 }, serviceUsers: { created: 2, updated: 0, skipped: 0 }, tokens: { created: 0, updated: 0, skipped: 1 } })
    expect(r.skipped).toEqual([{ kind: 'token', id: token.info.id, name: 'svc-alice', reason: 'TOKEN_NOT_VERIFIABLE', message: expect.stringContaining(token.info.kid) }])
    expect(r.licence).toMatchObject({ clientId: acme.id, bound: true })
    expect(r.followUp).toEqual([
      { serviceUserId: alice.user.id, username: 'svc-alice', actions: ['SET_PASSWORD'] },
      { serviceUserId: bob.user.id, username: 'svc-bob', actions: ['SET_PASSWORD'] },
    ])

    // the secrets verify on B exactly as on A, under the same ids
    const verified = await b.client.call('keys.verify', { key: erp.secret, ip: '10.1.2.3' })
    expect(verified).toMatchObject({ code: 'VALID', keyId: erp.key.id, collectionId: cid })
    expect((await b.client.call('keys.verify', { key: erp.secret, ip: '192.0.2.1' })).code).toBe('IP_NOT_ALLOWED')
    expect((await b.client.call('keys.verify', { key: wf.secret })).code).toBe('DISABLED')
    expect(await b.client.call('keys.reveal', { id: erp.key.id })).toEqual({ secret: erp.secret })
    const keyOnB = await b.client.call('keys.get', { id: erp.key.id })
    expect(keyOnB).toMatchObject({ name: 'XSS ERP', hint: erp.key.hint, prefix: erp.key.prefix, permissions: erp.key.permissions, allowedIps: ['10.0.0.0/8'], publicUrl: erp.key.publicUrl, licenceId: r.licence!.id })

    // the records table of B shows the users with their client IDs and key
    const records = await b.client.call('records.list', { regionId: base.region.id, collectionId: cid })
    expect(records.rows.map((row) => [row.username, row.clientId, row.keyId])).toEqual([
      ['svc-alice', alice.user.clientId, erp.key.id],
      ['svc-bob', bob.user.clientId, erp.key.id],
    ])
    const aliceOnB = await b.client.call('users.get', { id: alice.user.id })
    expect(aliceOnB).toMatchObject({ passwordSetAt: null, restPermissions: alice.user.restPermissions, soapPermissions: alice.user.soapPermissions, authMethod: 'password' })
    // the table says so, and does not offer tokens yet
    expect(records.rows.map((row) => [row.passwordSet, row.operations.generateToken])).toEqual([
      [false, false],
      [false, false],
    ])

    // no password yet: tokens are refused with their own code, until an admin sets one
    const refused = await b.client.invoke('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: alice.password })
    expect(refused.ok ? 'ok' : refused.error.code).toBe('TOKEN_PASSWORD_NOT_SET')
    const reset = await b.client.call('users.resetPassword', { id: alice.user.id })
    expect(reset.user.passwordSetAt).not.toBeNull()
    const issued = await b.client.call('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: reset.password! })
    expect((await b.client.call('tokens.verify', { token: issued.token })).code).toBe('VALID')
    const after = await b.client.call('records.list', { regionId: base.region.id, collectionId: cid, search: 'svc-alice' })
    expect(after.rows.map((row) => [row.passwordSet, row.operations.generateToken])).toEqual([[true, true]])

    // audited with fingerprint and counts, never a secret; the chain holds
    const log = await b.client.call('audit.list', { limit: 500 })
    const entry = log.entries.find((e) => e.action === 'bundles.import')!
    expect(entry.details).toMatchObject({ fingerprint: out.fingerprint, bundleId: out.bundleId, items: r.items, skippedReasons: { 'token:TOKEN_NOT_VERIFIABLE': 1 }, passwordsToSet: 2 })
    expect(log.entries.filter((e) => e.action === 'keys.import').map((e) => e.entityId).sort()).toEqual([erp.key.id, wf.key.id].sort())
    const text = JSON.stringify([log, r])
    for (const secret of [erp.secret, wf.secret, token.token, alice.password, PASSPHRASE]) expect(text).not.toContain(secret)
    expect((await b.client.call('audit.verify', {})).ok).toBe(true)

    // a replay is still refused, changing nothing
    await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity] }), 'BUNDLE_REPLAYED')
  })

  it('refuses keys for a collection without a licence here, naming the collection and the fix; the same bundle then imports with a client named', async () => {
    const { base, identity, exportAll } = await installationA()
    const out = await exportAll()
    const b = await vault()
    const message = await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity] }), 'LICENCE_REQUIRED')
    expect(message).toContain(`"${base.collection.name}"`)
    expect(message).toMatch(/--licence-client/)
    expect(message).toMatch(/Nothing was imported\.$/)
    const blue = await b.client.call('clients.create', { name: 'Blue one', tier: 'blue' })
    // a Blue client already holding its one licence cannot take another one
    const elsewhere = await b.client.call('regions.create', { name: 'us-east' })
    const server = await b.client.call('servers.create', { regionId: elsewhere.id, name: 'db-09' })
    const other = await b.client.call('collections.create', { serverId: server.id, name: 'other' })
    await b.client.call('licences.create', { clientId: blue.id, collectionId: other.id })
    await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity], licenceClientId: blue.id }), 'LICENCE_LIMIT_REACHED')
    const gold = await b.client.call('clients.create', { name: 'Gold one', tier: 'gold' })
    const r = await b.client.call('bundles.import', { file: out.file, identities: [identity], licenceClientId: gold.id })
    expect(r.items.keys.created).toBe(2)
  })

  it('keeps one active key per (licence, application): a conflicting key is refused and nothing is imported', async () => {
    const { a, cid, identity, recipients, exportAll } = await installationA()
    const topologyOnly = await a.client.call('bundles.export', { collectionId: cid, recipients })
    const b = await vault()
    await b.client.call('bundles.import', { file: topologyOnly.file, identities: [identity] })
    const client = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    await b.client.call('licences.create', { clientId: client.id, collectionId: cid })
    const mine = await b.client.call('keys.create', { collectionId: cid, applicationKind: 'erp', name: 'B own ERP' })
    const out = await exportAll()
    const message = await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity] }), 'KEY_ALREADY_EXISTS_FOR_APPLICATION')
    expect(message).toContain('B own ERP')
    // after the admin deactivates B's own key, the same bundle imports
    await b.client.call('keys.setStatus', { id: mine.key.id, status: 'inactive' })
    const r = await b.client.call('bundles.import', { file: out.file, identities: [identity] })
    expect(r.licence).toMatchObject({ clientId: client.id, bound: false })
    expect(r.items.keys.created).toBe(2)
  })

  it('refuses unknown permissions, malformed secrets, unknown application kinds and id clashes, each with its own code and nothing changed', async () => {
    const { erp, identity, exportAll } = await installationA()
    const out = await exportAll()
    const b = await vault()
    const client = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    const attempt = (file: string) => () => b.client.invoke('bundles.import', { file, identities: [identity], licenceClientId: client.id })
    const crafted = (edit: (m: BundleManifest) => void) => craft(out.file, identity, edit)

    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => m.items.keys[0]!.permissions.push('rest.nothing.here'))), 'PERMISSION_UNKNOWN')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => m.items.permissions.push({ id: 'soap.Nope.Never', kind: 'soap', group: 'x', label: 'x' }))), 'PERMISSION_UNKNOWN')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => m.items.serviceUsers[0]!.restPermissions.push('rest.tasks.list'))), 'PERMISSION_NOT_IN_KEY')
    const flipped = (secret: string) => `${secret.slice(0, 20)}${secret[20] === 'a' ? 'b' : 'a'}${secret.slice(21)}`
    const badSecret = await expectRefusedUnchanged(b.core, attempt(await crafted((m) => (m.items.keys[0]!.secret = flipped(m.items.keys[0]!.secret)))), 'BUNDLE_MALFORMED')
    expect(badSecret).not.toContain(erp.secret.slice(9))
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => (m.items.keys[0]!.prefix = 'erp_test'))), 'BUNDLE_MALFORMED')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => (m.items.keys[0]!.allowedIps = ['10.0.0.300']))), 'IP_RULE_INVALID')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => Object.assign(m.items.keys[1]!, { status: 'active', applicationKind: 'erp' }))), 'KEY_ALREADY_EXISTS_FOR_APPLICATION')
    // the same secret under two ids, and one client ID for two users
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => m.items.keys.push({ ...m.items.keys[0]!, id: crypto.randomUUID(), status: 'inactive' }))), 'BUNDLE_CONFLICT')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => (m.items.serviceUsers[1]!.clientId = m.items.serviceUsers[0]!.clientId))), 'BUNDLE_CONFLICT')
    await expectRefusedUnchanged(b.core, attempt(await crafted((m) => (m.items.serviceUsers[1]!.username = 'SVC-ALICE'))), 'USERNAME_TAKEN')

    // a kind this vault does not have: refused with the prefix to create; then mapped by prefix
    const crm = generateKey('crm_live')
    const withCrm = await crafted((m) => m.items.keys.push({ ...m.items.keys[0]!, id: crypto.randomUUID(), name: 'CRM', applicationKind: crypto.randomUUID(), prefix: 'crm_live', secret: crm, hint: 'x', permissions: [] }))
    const unknownKind = await expectRefusedUnchanged(b.core, attempt(withCrm), 'APPLICATION_NOT_FOUND')
    expect(unknownKind).toContain('"crm"')
    const app = await b.client.call('applications.create', { name: 'Partner CRM', prefix: 'crm', defaultPermissions: [] })
    const r = await b.client.call('bundles.import', { file: withCrm, identities: [identity], licenceClientId: client.id })
    expect(r.items.keys.created).toBe(3)
    expect((await b.client.call('keys.verify', { key: crm, ip: '10.0.0.5' })).code).toBe('VALID')
    expect((await b.client.call('keys.list', { applicationKind: app.id })).map((k) => k.name)).toEqual(['CRM'])
  })

  it('a later bundle updates what is here, skips what is unchanged, and never revives what this vault revoked', async () => {
    const { a, erp, wf, alice, bob, identity, exportAll } = await installationA()
    const b = await vault()
    const client = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    await b.client.call('bundles.import', { file: (await exportAll()).file, identities: [identity], licenceClientId: client.id })

    await a.client.call('keys.update', { id: erp.key.id, name: 'XSS ERP v2', allowedIps: ['10.0.0.0/8', '192.0.2.0/24'] })
    await a.client.call('users.setStatus', { id: alice.user.id, status: 'inactive' })
    const second = await b.client.call('bundles.import', { file: (await exportAll()).file, identities: [identity] })
    expect(second.items.keys).toEqual({ created: 0, updated: 1, skipped: 1 })
    expect(second.items.serviceUsers).toEqual({ created: 0, updated: 1, skipped: 1 })
    expect(second.skipped.filter((x) => x.reason === 'UNCHANGED').map((x) => x.id).sort()).toEqual([wf.key.id, bob.user.id].sort())
    expect(await b.client.call('keys.get', { id: erp.key.id })).toMatchObject({ name: 'XSS ERP v2', allowedIps: ['10.0.0.0/8', '192.0.2.0/24'] })
    expect((await b.client.call('keys.verify', { key: erp.secret, ip: '192.0.2.7' })).code).toBe('VALID')
    expect((await b.client.call('users.get', { id: alice.user.id })).status).toBe('inactive')

    await b.client.call('keys.revoke', { id: erp.key.id })
    const before = storeSnapshot(b.core).api_keys
    const third = await b.client.call('bundles.import', { file: (await exportAll()).file, identities: [identity] })
    expect(third.skipped.find((x) => x.id === erp.key.id)).toMatchObject({ kind: 'key', reason: 'REVOKED_HERE' })
    expect(storeSnapshot(b.core).api_keys).toEqual(before)
    expect((await b.client.call('keys.verify', { key: erp.secret, ip: '10.0.0.1' })).code).toBe('REVOKED')
  })

  it('skips users whose key is neither in the bundle nor here, and keys that expired before the import', async () => {
    const { a, cid, identity, recipients } = await installationA()
    const usersOnly = await a.client.call('bundles.export', { collectionId: cid, recipients, items: { serviceUsers: 'all' } })
    const b = await vault()
    const r = await b.client.call('bundles.import', { file: usersOnly.file, identities: [identity] })
    expect(r.items.serviceUsers).toEqual({ created: 0, updated: 0, skipped: 2 })
    expect(new Set(r.skipped.map((x) => x.reason))).toEqual(new Set(['KEY_NOT_HERE']))
    expect(await b.client.call('users.list', { collectionId: cid })).toEqual([])

    const out = await a.client.call('bundles.export', { collectionId: cid, recipients, items: { keys: 'all' } })
    const expired = await craft(out.file, identity, (m) => (m.items.keys[0]!.expiresAt = '2020-01-01T00:00:00.000Z'))
    const client = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    const r2 = await b.client.call('bundles.import', { file: expired, identities: [identity], licenceClientId: client.id })
    expect(r2.items.keys).toEqual({ created: 1, updated: 0, skipped: 1 })
    expect(r2.skipped).toEqual([expect.objectContaining({ kind: 'key', reason: 'EXPIRED' })])
  })

  it('asks for 2FA again for users that had it, and refuses an inactive licence or one of another client than named', async () => {
    const { a, cid, erp, identity, recipients } = await installationA()
    const carol = await makeUser(a.client, cid, erp.key.id, { username: 'svc-carol', authMethod: 'password_totp' })
    await a.client.call('users.confirmTotp', { id: carol.user.id, code: totpCodeAt(Buffer.from(Secret.fromBase32(carol.totp!.secret).bytes), Date.now()) })
    const out = await a.client.call('bundles.export', { collectionId: cid, recipients, items: { keys: [erp.key.id], serviceUsers: [carol.user.id] } })

    const b = await vault()
    await b.client.call('bundles.import', { file: (await a.client.call('bundles.export', { collectionId: cid, recipients })).file, identities: [identity] })
    const owner = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    const stranger = await b.client.call('clients.create', { name: 'Someone else', tier: 'gold' })
    const licence = await b.client.call('licences.create', { clientId: owner.id, collectionId: cid })
    await b.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    const inactive = await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity] }), 'LICENCE_REQUIRED')
    expect(inactive).toMatch(/inactive here/)
    await b.client.call('licences.setStatus', { id: licence.id, status: 'active' })
    await expectRefusedUnchanged(b.core, () => b.client.invoke('bundles.import', { file: out.file, identities: [identity], licenceClientId: stranger.id }), 'COLLECTION_ALREADY_LICENSED')

    const r = await b.client.call('bundles.import', { file: out.file, identities: [identity], licenceClientId: owner.id })
    expect(r.licence).toEqual({ id: licence.id, clientId: owner.id, bound: false })
    expect(r.followUp).toEqual([{ serviceUserId: carol.user.id, username: 'svc-carol', actions: ['SET_PASSWORD', 'SET_UP_TOTP'] }])
    expect(await b.client.call('users.get', { id: carol.user.id })).toMatchObject({ authMethod: 'password', totpPending: false, passwordSetAt: null })
  })
})
