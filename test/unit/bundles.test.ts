import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { armor, Decrypter, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption'
import { afterEach, describe, expect, it } from 'vitest'
import { canonicalBytes, canonicalPrettyJson, generateSigningKeyPair, signingKeyFromDer } from '../../src/core/signing/signature'
import { makeTopology, openCore, tempDir, type TestCore } from '../helpers/core'

const cores: TestCore[] = []
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close()
})

const FAST = { bundles: { scryptWorkFactor: 10 } }
const BUNDLE_PASSPHRASE = 'violet-harbor-quantum-seventeen-maple'

async function exporter() {
  const t = await openCore(FAST)
  cores.push(t)
  const topo = await makeTopology(t.client)
  return { t, ...topo }
}

async function importer() {
  const t = await openCore(FAST)
  cores.push(t)
  return t
}

/** Everything an import could change: every table's rows, the audit log included. */
async function storeSnapshot(t: TestCore) {
  const audit = await t.client.call('audit.list', { limit: 500 })
  const regions = await t.client.call('regions.list', {})
  const servers = await Promise.all(regions.map((r) => t.client.call('servers.list', { regionId: r.id })))
  const collections = await Promise.all(regions.map((r) => t.client.call('collections.list', { regionId: r.id })))
  return JSON.stringify({ audit, regions, servers, collections })
}

async function expectRefused(t: TestCore, input: Parameters<TestCore['client']['invoke']>[1] & object, code: string) {
  const before = await storeSnapshot(t)
  const r = await t.client.invoke('bundles.import', input as never)
  expect(r.ok ? 'ACCEPTED' : r.error.code).toBe(code)
  if (!r.ok) {
    expect(r.error.message).not.toContain(BUNDLE_PASSPHRASE)
    expect(r.error.message).not.toMatch(/AGE-SECRET-KEY-1[0-9A-Z]{20}/)
  }
  expect(await storeSnapshot(t)).toBe(before)
}

/** A bundle signed by a key of our choosing, to test what a real exporter never makes. */
async function craftBundle(manifestEdit: (m: Record<string, unknown>) => void, envelopeEdit: (e: Record<string, unknown>) => void = () => {}) {
  const { t, collection } = await exporter()
  const identity = await generateIdentity()
  const exported = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [await identityToRecipient(identity)] })
  const d = new Decrypter()
  d.addIdentity(identity)
  const envelope = JSON.parse(await d.decrypt(armor.decode(Buffer.from(exported.file, 'base64').toString()), 'text')) as Record<string, unknown>
  const key = signingKeyFromDer(generateSigningKeyPair().privateKeyDer)
  const manifest = envelope.manifest as Record<string, unknown>
  manifest.signer = key.signer
  manifestEdit(manifest)
  const crafted = { ...envelope, manifest, signer: key.signer, signature: key.sign(canonicalBytes(manifest)) }
  envelopeEdit(crafted)
  const e = new Encrypter()
  e.addRecipient(await identityToRecipient(identity))
  const file = await e.encrypt(canonicalPrettyJson(crafted))
  return { identity, file: Buffer.from(file).toString('base64'), signer: key.signer }
}

describe('bundle export', () => {
  it('encrypts to X25519 recipients; the file opens with any one identity and its fingerprint is audited, never its content', async () => {
    const { t, collection } = await exporter()
    const a = await generateIdentity()
    const b = await generateIdentity()
    const out = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [await identityToRecipient(a), await identityToRecipient(b)] })
    expect(out.armored).toBe(true)
    const text = Buffer.from(out.file, 'base64').toString()
    expect(text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')).toBe(true)
    expect(text).not.toContain(collection.name)
    expect(out.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    for (const identity of [a, b]) {
      const inspected = await t.client.call('bundles.inspect', { file: out.file, identities: [identity] })
      expect(inspected.contents.collection).toMatchObject({ id: collection.id, name: collection.name })
      expect(inspected.contents.signer).toEqual(out.signer)
      expect(inspected.fingerprint).toBe(out.fingerprint)
    }
    const log = await t.client.call('audit.list', { action: 'bundles.export' })
    expect(log.entries[0]!.details).toMatchObject({ fingerprint: out.fingerprint, bundleId: out.bundleId, signer: out.signer.fingerprint, encryption: 'x25519' })
    expect(JSON.stringify(log)).not.toContain(out.file.slice(0, 40))
  })

  it('refuses invalid recipients, both or neither of recipients and passphrase, and weak passphrases', async () => {
    const { t, collection } = await exporter()
    const recipient = await identityToRecipient(await generateIdentity())
    const bad = `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`
    const code = async (input: object) => {
      const r = await t.client.invoke('bundles.export', { collectionId: collection.id, ...input } as never)
      return r.ok ? 'ACCEPTED' : r.error.code
    }
    expect(await code({ recipients: [bad] })).toBe('BUNDLE_RECIPIENT_INVALID')
    expect(await code({ recipients: ['age1notakey'] })).toBe('BUNDLE_RECIPIENT_INVALID')
    expect(await code({ recipients: ['ssh-ed25519 AAAA'] })).toBe('BUNDLE_RECIPIENT_INVALID')
    expect(await code({})).toBe('INVALID_INPUT')
    expect(await code({ recipients: [recipient], passphrase: BUNDLE_PASSPHRASE })).toBe('INVALID_INPUT')
    expect(await code({ passphrase: 'password123' })).toBe('BUNDLE_WEAK_PASSPHRASE')
    expect(await code({ recipients: [recipient], collectionId: '0190f0f0-0000-7000-8000-000000000000' })).toBe('COLLECTION_NOT_FOUND')
    expect((await t.client.call('audit.list', { action: 'bundles.export' })).total).toBe(0)
  })

  it('opens with Debian\'s age command (X25519 identity file) and its content is the signed envelope', async () => {
    const { t, collection } = await exporter()
    const dir = tempDir('keyward-age-')
    const identityFile = join(dir, 'identity.txt')
    execFileSync('age-keygen', ['-o', identityFile], { stdio: 'pipe' })
    const recipient = execFileSync('age-keygen', ['-y', identityFile]).toString().trim()
    for (const armored of [true, false]) {
      const out = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [recipient], armor: armored })
      const file = join(dir, out.fileName)
      writeFileSync(file, Buffer.from(out.file, 'base64'))
      const plaintext = execFileSync('age', ['-d', '-i', identityFile, file]).toString()
      const envelope = JSON.parse(plaintext) as { format: string; manifest: { bundleId: string; collection: { name: string } }; signer: { fingerprint: string } }
      expect(envelope.format).toBe('keyward-bundle')
      expect(envelope.manifest.bundleId).toBe(out.bundleId)
      expect(envelope.manifest.collection.name).toBe(collection.name)
      expect(envelope.signer.fingerprint).toBe(out.signer.fingerprint)
    }
  })

  it('encrypts to a passphrase with age\'s scrypt recipient at the default work factor, readable by the age library', async () => {
    const t = await openCore()
    cores.push(t)
    const { collection } = await makeTopology(t.client)
    const out = await t.client.call('bundles.export', { collectionId: collection.id, passphrase: BUNDLE_PASSPHRASE, armor: false })
    const d = new Decrypter()
    d.addPassphrase(BUNDLE_PASSPHRASE)
    const envelope = JSON.parse(await d.decrypt(Buffer.from(out.file, 'base64'), 'text')) as { manifest: { bundleId: string } }
    expect(envelope.manifest.bundleId).toBe(out.bundleId)
    expect(Buffer.from(out.file, 'base64').toString('latin1')).toMatch(/\n-> scrypt \S+ 18\n/)
  })
})

describe('bundle import', () => {
  it('imports a passphrase bundle into another vault once, with the same ids, audited by fingerprint', async () => {
    const { t, region, server, collection } = await exporter()
    const out = await t.client.call('bundles.export', { collectionId: collection.id, passphrase: BUNDLE_PASSPHRASE })
    const other = await importer()
    const inspected = await other.client.call('bundles.inspect', { file: out.file, passphrase: BUNDLE_PASSPHRASE })
    expect(inspected.alreadyImported).toBe(false)
    const r = await other.client.call('bundles.import', { file: out.file, passphrase: BUNDLE_PASSPHRASE, expectSigner: out.signer.fingerprint })
    expect(r).toMatchObject({ bundleId: out.bundleId, fingerprint: out.fingerprint, collectionId: collection.id, created: { regions: 1, servers: 1, collections: 1 } })
    expect((await other.client.call('regions.list', {}))[0]).toMatchObject({ id: region.id, name: region.name })
    expect((await other.client.call('collections.list', { serverId: server.id }))[0]).toMatchObject({ id: collection.id, name: collection.name })
    const log = await other.client.call('audit.list', { action: 'bundles.import' })
    expect(log.entries[0]!.details).toMatchObject({ fingerprint: out.fingerprint, bundleId: out.bundleId, signer: out.signer.fingerprint })
    expect((await other.client.call('bundles.inspect', { file: out.file, passphrase: BUNDLE_PASSPHRASE })).alreadyImported).toBe(true)
    await expectRefused(other, { file: out.file, passphrase: BUNDLE_PASSPHRASE }, 'BUNDLE_REPLAYED')
    // Re-encrypting the same signed manifest is the same bundle.
    expect((await other.client.call('audit.verify', {})).ok).toBe(true)
  })

  it('refuses a wrong passphrase, a missing one, and a passphrase for a recipient bundle', async () => {
    const { t, collection } = await exporter()
    const byPass = await t.client.call('bundles.export', { collectionId: collection.id, passphrase: BUNDLE_PASSPHRASE })
    const byKey = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [await identityToRecipient(await generateIdentity())] })
    const other = await importer()
    await expectRefused(other, { file: byPass.file, passphrase: `${BUNDLE_PASSPHRASE}x` }, 'BUNDLE_BAD_PASSPHRASE')
    await expectRefused(other, { file: byPass.file }, 'PASSPHRASE_REQUIRED')
    await expectRefused(other, { file: byKey.file, passphrase: BUNDLE_PASSPHRASE }, 'BUNDLE_NOT_A_RECIPIENT')
  })

  it('refuses an identity the bundle was not encrypted to, and text that is not an identity', async () => {
    const { t, collection } = await exporter()
    const out = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [await identityToRecipient(await generateIdentity())] })
    const other = await importer()
    await expectRefused(other, { file: out.file, identities: [await generateIdentity()] }, 'BUNDLE_NOT_A_RECIPIENT')
    await expectRefused(other, { file: out.file, identities: ['not an identity'] }, 'BUNDLE_NOT_A_RECIPIENT')
  })

  it('refuses every truncation of an armored bundle and of a binary header as BUNDLE_TRUNCATED; every binary truncation is refused', async () => {
    const { t, collection } = await exporter()
    const identity = await generateIdentity()
    const recipients = [await identityToRecipient(identity)]
    const armored = Buffer.from((await t.client.call('bundles.export', { collectionId: collection.id, recipients })).file, 'base64')
    const binary = Buffer.from((await t.client.call('bundles.export', { collectionId: collection.id, recipients, armor: false })).file, 'base64')
    const other = await importer()
    const before = await storeSnapshot(other)
    const codes = async (file: Buffer, cuts: number[]) => {
      const seen = new Set<string>()
      for (const cut of cuts) {
        const r = await other.client.invoke('bundles.import', { file: file.subarray(0, cut).toString('base64'), identities: [identity] })
        seen.add(r.ok ? 'ACCEPTED' : r.error.code)
      }
      return seen
    }
    const footer = armored.toString().lastIndexOf('-----END')
    const armoredCuts = Array.from({ length: 60 }, (_, i) => Math.floor(((i + 1) * footer) / 61))
    expect(await codes(armored, armoredCuts)).toEqual(new Set(['BUNDLE_TRUNCATED']))
    const headerEnd = binary.indexOf('\n---') + 1
    expect(await codes(binary, Array.from({ length: headerEnd }, (_, i) => i + 1))).toEqual(new Set(['BUNDLE_TRUNCATED']))
    const payloadCuts = Array.from({ length: binary.length - headerEnd - 1 }, (_, i) => headerEnd + 1 + i).filter((_, i) => i % 7 === 0)
    const payloadCodes = await codes(binary, payloadCuts)
    expect(payloadCodes.has('ACCEPTED')).toBe(false)
    expect([...payloadCodes].every((c) => c === 'BUNDLE_TRUNCATED' || c === 'BUNDLE_TAMPERED')).toBe(true)
    expect(await storeSnapshot(other)).toBe(before)
  })

  it('refuses every single altered byte (armored and binary) without changing anything', async () => {
    const { t, collection } = await exporter()
    const identity = await generateIdentity()
    const recipients = [await identityToRecipient(identity)]
    const other = await importer()
    const before = await storeSnapshot(other)
    for (const armorIt of [false, true]) {
      const file = Buffer.from((await t.client.call('bundles.export', { collectionId: collection.id, recipients, armor: armorIt })).file, 'base64')
      const step = Math.max(1, Math.floor(file.length / 150))
      for (let pos = 0; pos < file.length; pos += step) {
        const edited = Buffer.from(file)
        edited[pos] = edited[pos]! ^ 0x01
        const r = await other.client.invoke('bundles.import', { file: edited.toString('base64'), identities: [identity] })
        expect(r.ok).toBe(false)
        if (!r.ok) expect(['BUNDLE_TAMPERED', 'BUNDLE_MALFORMED', 'BUNDLE_TRUNCATED', 'BUNDLE_NOT_A_RECIPIENT']).toContain(r.error.code)
      }
    }
    expect(await storeSnapshot(other)).toBe(before)
  })

  it('names tampering of the encrypted payload BUNDLE_TAMPERED', async () => {
    const { t, collection } = await exporter()
    const identity = await generateIdentity()
    const out = await t.client.call('bundles.export', { collectionId: collection.id, recipients: [await identityToRecipient(identity)], armor: false })
    const file = Buffer.from(out.file, 'base64')
    const other = await importer()
    for (const pos of [file.length - 1, file.length - 20, file.indexOf('\n---') + 30]) {
      const edited = Buffer.from(file)
      edited[pos] = edited[pos]! ^ 0x80
      await expectRefused(other, { file: edited.toString('base64'), identities: [identity] }, 'BUNDLE_TAMPERED')
    }
  })

  it('refuses a file that is not a bundle at all', async () => {
    const other = await importer()
    await expectRefused(other, { file: Buffer.from('hello, I am a text file\n').toString('base64'), passphrase: 'x' }, 'BUNDLE_MALFORMED')
    await expectRefused(other, { file: '', passphrase: 'x' }, 'BUNDLE_TRUNCATED')
    await expectRefused(other, { file: '***', passphrase: 'x' }, 'BUNDLE_MALFORMED')
    // A genuine age file whose content is not a Keyward bundle.
    const identity = await generateIdentity()
    const e = new Encrypter()
    e.addRecipient(await identityToRecipient(identity))
    await expectRefused(other, { file: Buffer.from(await e.encrypt('{"hello":1}')).toString('base64'), identities: [identity] }, 'BUNDLE_MALFORMED')
  })

  it('refuses a bad signature: manifest changed after signing, and a signature by a key other than the named one', async () => {
    const changed = await craftBundle(() => {}, (e) => {
      ;(e.manifest as { collection: { name: string } }).collection.name = 'evil-prod'
    })
    const other = await importer()
    await expectRefused(other, { file: changed.file, identities: [changed.identity] }, 'BUNDLE_BAD_SIGNATURE')
    const otherKey = signingKeyFromDer(generateSigningKeyPair().privateKeyDer).signer
    const wrongSigner = await craftBundle(() => {}, (e) => {
      e.signer = { ...otherKey }
    })
    await expectRefused(other, { file: wrongSigner.file, identities: [wrongSigner.identity] }, 'BUNDLE_BAD_SIGNATURE')
    const lyingName = await craftBundle(() => {}, (e) => {
      ;(e.signer as { fingerprint: string }).fingerprint = otherKey.fingerprint
    })
    await expectRefused(other, { file: lyingName.file, identities: [lyingName.identity] }, 'BUNDLE_BAD_SIGNATURE')
    // the signer block exactly as Keyward writes it: its fingerprint in upper case (in the
    // manifest it signs and in the envelope alike, one object) is not
    const respelled = await craftBundle((m) => {
      const signer = m.signer as { fingerprint: string }
      signer.fingerprint = signer.fingerprint.toUpperCase()
    })
    await expectRefused(other, { file: respelled.file, identities: [respelled.identity] }, 'BUNDLE_BAD_SIGNATURE')
  })

  it('refuses a well-signed bundle from another signer than expected, and an unknown schema version', async () => {
    const other = await importer()
    const good = await craftBundle(() => {})
    const stranger = signingKeyFromDer(generateSigningKeyPair().privateKeyDer).signer.fingerprint
    await expectRefused(other, { file: good.file, identities: [good.identity], expectSigner: stranger }, 'BUNDLE_WRONG_SIGNER')
    const v2 = await craftBundle((m) => {
      m.schemaVersion = 2
    }, (e) => {
      e.schemaVersion = 2
    })
    await expectRefused(other, { file: v2.file, identities: [v2.identity] }, 'BUNDLE_SCHEMA_UNSUPPORTED')
    const extraField = await craftBundle((m) => {
      m.surprise = true
    })
    await expectRefused(other, { file: extraField.file, identities: [extraField.identity] }, 'BUNDLE_MALFORMED')
    // The unmodified crafted bundle (signed by a key of its own) does import when expected.
    const r = await other.client.call('bundles.import', { file: good.file, identities: [good.identity], expectSigner: good.signer.fingerprint })
    expect(r.signer).toEqual(good.signer)
  })

  it('refuses a bundle whose collection clashes with a different one here', async () => {
    const { t, collection } = await exporter()
    const out = await t.client.call('bundles.export', { collectionId: collection.id, passphrase: BUNDLE_PASSPHRASE })
    const other = await importer()
    await makeTopology(other.client) // same names, different ids
    await expectRefused(other, { file: out.file, passphrase: BUNDLE_PASSPHRASE }, 'BUNDLE_CONFLICT')
  })
})
