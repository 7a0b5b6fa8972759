import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateIdentity, identityToRecipient } from 'age-encryption'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BundleManifest } from '../../src/shared/contract/bundles'
import { openCore, PASSPHRASE, tempDir, type TestCore } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'
import { makeUser } from '../helpers/users'

// Each test starts several `keyward` processes (tsx compiles the sources at every start), which
// takes minutes on a loaded two-core machine: a generous hang guard, not a speed target.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 })

/** Keys, service users, endpoints, permissions and tokens of one collection in a bundle. */
const FAST = { bundles: { scryptWorkFactor: 10 } }
const cores: TestCore[] = []
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
})

async function setup() {
  const t = await openCore(FAST)
  cores.push(t)
  const base = await makeLicensedCollection(t.client)
  const cid = base.collection.id
  const erp = await t.client.call('keys.create', { collectionId: cid, applicationKind: 'erp', name: 'XSS ERP', allowedIps: ['10.0.0.0/8'], publicUrl: 'https://erp.acme.example' })
  const wf = await t.client.call('keys.create', { collectionId: cid, applicationKind: 'workflow', name: 'Flows' })
  const gone = await t.client.call('keys.create', { collectionId: cid, applicationKind: 'mobile', name: 'Old app' })
  await t.client.call('keys.revoke', { id: gone.key.id })
  const alice = await makeUser(t.client, cid, erp.key.id, { username: 'svc-alice' })
  const bob = await makeUser(t.client, cid, erp.key.id, { username: 'svc-bob', restEndpoint: 'https://erp.acme.example/rest/v2' })
  const token = await t.client.call('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: alice.password })
  const old = await t.client.call('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: alice.password })
  await t.client.call('tokens.revoke', { id: old.info.id })
  return { t, cid, erp, wf, gone, alice, bob, token, old }
}

/** Decrypts with Debian's `age` command-line tool, as an integrator would. */
function ageDecrypt(file: string, identity: string): { manifest: BundleManifest; signer: { fingerprint: string } } {
  const dir = tempDir('keyward-bundle-items-')
  writeFileSync(join(dir, 'identity.txt'), `${identity}\n`)
  writeFileSync(join(dir, 'b.age.asc'), Buffer.from(file, 'base64'))
  const r = spawnSync('age', ['-d', '-i', join(dir, 'identity.txt'), join(dir, 'b.age.asc')], { encoding: 'utf8' })
  spawnSync('rm', ['-rf', dir])
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { manifest: BundleManifest; signer: { fingerprint: string } }
}

describe('bundle items', () => {
  it('carries the chosen keys with secrets, users without passwords, endpoints, permissions and current tokens; Debian age opens it', async () => {
    const { t, cid, erp, wf, alice, bob, token } = await setup()
    const identity = await generateIdentity()
    const out = await t.client.call('bundles.export', { collectionId: cid, recipients: [await identityToRecipient(identity)], items: { keys: 'all', serviceUsers: [alice.user.id], tokens: true } })
    expect(out.counts).toMatchObject({ keys: 2, serviceUsers: 1, tokens: 1 })
    const { manifest } = ageDecrypt(out.file, identity)
    expect(manifest.items.keys.map((k) => [k.id, k.secret, k.status])).toEqual([
      [erp.key.id, erp.secret, 'active'],
      [wf.key.id, wf.secret, 'active'],
    ])
    expect(manifest.items.keys[0]).toMatchObject({ allowedIps: ['10.0.0.0/8'], publicUrl: erp.key.publicUrl, permissions: erp.key.permissions })
    expect(manifest.items.serviceUsers).toEqual([
      { id: alice.user.id, username: 'svc-alice', clientId: alice.user.clientId, keyId: erp.key.id, status: 'active', authMethod: 'password', restPermissions: alice.user.restPermissions, soapPermissions: alice.user.soapPermissions },
    ])
    expect(manifest.items.tokens).toEqual([{ id: token.info.id, serviceUserId: alice.user.id, token: token.token, kid: expect.any(String), expiresAt: token.info.expiresAt }])
    expect(manifest.items.endpoints).toEqual([
      { kind: 'public', url: erp.key.publicUrl, keyId: erp.key.id },
      { kind: 'rest', url: 'https://erp.acme.example/rest/v1', keyId: erp.key.id },
      { kind: 'soap', url: 'https://erp.acme.example/soap', keyId: erp.key.id },
    ])
    const held = new Set([...erp.key.permissions, ...wf.key.permissions])
    expect(manifest.items.permissions.map((p) => p.id).sort()).toEqual([...held].sort())
    const whole = JSON.stringify(manifest)
    for (const secret of [alice.password, bob.password, PASSPHRASE]) expect(whole).not.toContain(secret)
    expect(whole).not.toMatch(/password_hash|passwordHash|\$argon2/)

    // inspect and the audit log show ids, never secrets
    const inspected = await t.client.call('bundles.inspect', { file: out.file, identities: [identity] })
    const log = await t.client.call('audit.list', { action: 'bundles.export' })
    expect(log.entries[0]!.details).toMatchObject({ keyIds: [erp.key.id, wf.key.id], serviceUserIds: [alice.user.id], tokenIds: [token.info.id], fingerprint: out.fingerprint })
    for (const text of [JSON.stringify(inspected), JSON.stringify(log), JSON.stringify(out.counts)]) {
      for (const secret of [erp.secret, wf.secret, token.token, alice.password]) expect(text).not.toContain(secret)
    }
  })

  it('exports nothing but the collection unless asked; leaves tokens, endpoints and permissions out on request', async () => {
    const { t, cid, erp } = await setup()
    const identity = await generateIdentity()
    const recipients = [await identityToRecipient(identity)]
    const none = ageDecrypt((await t.client.call('bundles.export', { collectionId: cid, recipients })).file, identity).manifest.items
    expect(none).toEqual({ keys: [], serviceUsers: [], tokens: [], endpoints: [], permissions: [] })
    const bare = ageDecrypt(
      (await t.client.call('bundles.export', { collectionId: cid, recipients, items: { keys: [erp.key.id], serviceUsers: 'all', endpoints: false, permissions: false } })).file,
      identity,
    ).manifest.items
    expect(bare.keys.map((k) => k.id)).toEqual([erp.key.id])
    expect(bare.serviceUsers.map((u) => u.username)).toEqual(['svc-alice', 'svc-bob'])
    expect([bare.tokens, bare.endpoints, bare.permissions]).toEqual([[], [], []])
  })

  it('refuses revoked, rotated, foreign and unknown items with their own code, and exports nothing', async () => {
    const { t, cid, erp, gone } = await setup()
    const other = await openCore(FAST)
    cores.push(other)
    const foreign = await makeLicensedCollection(other.client)
    const foreignKey = await other.client.call('keys.create', { collectionId: foreign.collection.id, applicationKind: 'erp', name: 'Theirs' })
    const rotated = await t.client.call('keys.rotate', { id: erp.key.id })
    const recipients = [await identityToRecipient(await generateIdentity())]
    const before = await t.client.call('audit.list', { limit: 500 })
    const cases: [Record<string, unknown>, string][] = [
      [{ keys: [gone.key.id] }, 'KEY_REVOKED'],
      [{ keys: [erp.key.id] }, 'KEY_ROTATED'],
      [{ keys: [foreignKey.key.id] }, 'KEY_NOT_FOUND'],
      [{ serviceUsers: ['00000000-0000-4000-8000-000000000000'] }, 'USER_NOT_FOUND'],
      [{ keys: 'some' }, 'INVALID_INPUT'],
      [{ tokens: 'yes' }, 'INVALID_INPUT'],
      [{ secrets: true }, 'INVALID_INPUT'],
    ]
    for (const [items, code] of cases) {
      const r = await t.client.invoke('bundles.export', { collectionId: cid, recipients, items } as never)
      expect(r.ok ? 'ok' : r.error.code, JSON.stringify(items)).toBe(code)
    }
    expect(await t.client.call('audit.list', { limit: 500 })).toEqual(before)
    // the successor of the rotated key is exportable
    const ok = await t.client.call('bundles.export', { collectionId: cid, recipients, items: { keys: [rotated.key.id] } })
    expect(ok.counts.keys).toBe(1)
  })
})
