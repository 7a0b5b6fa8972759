import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { makeTopology, openCore, PASSPHRASE, tempDir } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'
import { makeUser } from '../helpers/users'

// Each test starts several `keyward` processes (tsx compiles the sources at every start), which
// takes minutes on a loaded two-core machine: a generous hang guard, not a speed target.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 })

/**
 * The `keyward` command as users run it: a child process through bin/keyward.js, on a real
 * vault made by the core, with the passphrase from a file (there is no terminal here).
 */
const BIN = join(__dirname, '../../bin/keyward.js')
const work = tempDir('keyward-cli-')
const vaultA = join(work, 'vault-a')
const vaultB = join(work, 'vault-b')
const passFile = join(work, 'pass.txt')
const identityFile = join(work, 'identity.txt')
let collectionId = ''

function keyward(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, KEYWARD_DATA_DIR: vaultA, KEYWARD_PASSPHRASE_FILE: passFile, KEYWARD_LOG_LEVEL: 'warn', ...env },
    timeout: 60_000,
  })
  // Nothing the CLI prints may carry the master passphrase or an age identity.
  expect(`${r.stdout}${r.stderr}`).not.toContain(PASSPHRASE)
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/AGE-SECRET-KEY-1[0-9A-Z]{20}/)
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** A refusal is exactly one line `keyward: CODE: message` on stderr and exit code 1. */
function expectRefusal(r: { code: number | null; err: string; out: string }, code: string) {
  expect(r.code).toBe(1)
  expect(r.err).toMatch(new RegExp(`^keyward: ${code}: [^\\n]+\\n$`))
}

beforeAll(async () => {
  writeFileSync(passFile, `${PASSPHRASE}\n`)
  const a = await openCore({ dataDir: vaultA })
  collectionId = (await makeTopology(a.client)).collection.id
  await a.close(true)
  const b = await openCore({ dataDir: vaultB })
  await b.close(true)
  expect(spawnSync('age-keygen', ['-o', identityFile]).status).toBe(0)
})

afterAll(() => {
  // The work dir holds only test vaults; leaving it is harmless, removing it is tidy.
  spawnSync('rm', ['-rf', work])
})

describe('keyward --help', () => {
  it('documents every command and subcommand and exits 0', () => {
    const top = keyward(['--help'])
    expect(top.code).toBe(0)
    for (const word of ['audit', 'bundle', 'installation', 'serve']) expect(top.out).toContain(word)
    for (const path of [['audit', 'report'], ['audit', 'verify'], ['audit', 'verify-chain'], ['bundle', 'export'], ['bundle', 'inspect'], ['bundle', 'verify'], ['bundle', 'import'], ['installation', 'info'], ['serve']]) {
      const r = keyward([...path, '--help'])
      expect(r.code, path.join(' ')).toBe(0)
      expect(r.out).toContain(`Usage: keyward ${path.join(' ')}`)
    }
  })

  it('answers a usage error with one line and exit code 2', () => {
    const r = keyward(['audit', 'report', '--frobnicate'])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/^keyward: USAGE: unknown option '--frobnicate' \(see --help\)\n$/)
    expect(keyward(['nonsense']).code).toBe(2)
  })
})

describe('opening the vault', () => {
  it('refuses a wrong passphrase, a missing passphrase file, no passphrase without a terminal, and no vault', () => {
    const wrong = join(work, 'wrong.txt')
    writeFileSync(wrong, 'not the passphrase at all 99\n')
    expectRefusal(keyward(['installation', 'info'], { KEYWARD_PASSPHRASE_FILE: wrong }), 'VAULT_BAD_PASSPHRASE')
    expectRefusal(keyward(['installation', 'info', '--passphrase-file', join(work, 'nope.txt')]), 'FILE_NOT_FOUND')
    expectRefusal(keyward(['installation', 'info'], { KEYWARD_PASSPHRASE_FILE: '' }), 'PASSPHRASE_REQUIRED')
    expectRefusal(keyward(['installation', 'info', '--data-dir', join(work, 'empty')]), 'VAULT_NOT_INITIALIZED')
  })
})

describe('keyward audit', () => {
  it('writes a signed report that `audit verify` accepts, naming the installation key; a one-byte edit fails', () => {
    const info = JSON.parse(keyward(['installation', 'info', '--json']).out) as { signer: { fingerprint: string } }
    const outDir = join(work, 'reports')
    spawnSync('mkdir', ['-p', outDir])
    const made = keyward(['audit', 'report', '-o', outDir, '--json'])
    expect(made.code).toBe(0)
    const written = JSON.parse(made.out) as { signer: { fingerprint: string }; files: { format: string; path: string }[] }
    expect(written.signer.fingerprint).toBe(info.signer.fingerprint)
    expect(readdirSync(outDir).sort().map((f) => f.replace(/^keyward-audit-[^.]+/, 'R'))).toEqual(['R.csv', 'R.csv.sig', 'R.html', 'R.json'])
    for (const f of written.files) {
      const ok = keyward(['audit', 'verify', f.path, '--expect-signer', info.signer.fingerprint])
      expect(ok.code, ok.err).toBe(0)
      expect(ok.out).toContain(`Signed by key ${info.signer.fingerprint}`)
      const edited = `${f.path}.edited.${f.format}`
      const bytes = readFileSync(f.path)
      // a letter from the middle on: the file stays well-formed, only the signature can tell
      let at = Math.floor(bytes.length / 2)
      while (!(bytes[at]! >= 0x61 && bytes[at]! <= 0x7a)) at++
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61
      writeFileSync(edited, bytes)
      const sig = f.format === 'csv' ? ['--sig', `${f.path}.sig`] : []
      expectRefusal(keyward(['audit', 'verify', edited, ...sig]), 'REPORT_BAD_SIGNATURE')
    }
    expectRefusal(keyward(['audit', 'report', '-o', join(work, 'no-such-folder')]), 'FILE_WRITE_FAILED')
    expectRefusal(keyward(['audit', 'verify', join(work, 'missing.json')]), 'FILE_NOT_FOUND')
  })

  it('verifies the audit chain', () => {
    const r = keyward(['audit', 'verify-chain', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ ok: true })
  })
})

describe('keyward bundle', () => {
  it('exports to an age recipient; Debian\'s age decrypts it, `bundle verify`/`inspect` name the signer, `bundle import` imports it once', () => {
    const recipient = spawnSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).stdout.trim()
    const bundleFile = join(work, 'acme.age.asc')
    const exported = keyward(['bundle', 'export', '-c', collectionId, '-r', recipient, '-o', bundleFile, '--json'])
    expect(exported.code, exported.err).toBe(0)
    const out = JSON.parse(exported.out) as { fingerprint: string; signer: { fingerprint: string }; bundleId: string }
    expect(out).not.toHaveProperty('file')

    const decrypted = spawnSync('age', ['-d', '-i', identityFile, bundleFile], { encoding: 'utf8' })
    expect(decrypted.status, decrypted.stderr).toBe(0)
    const envelope = JSON.parse(decrypted.stdout) as { manifest: { bundleId: string }; signer: { fingerprint: string } }
    expect(envelope.manifest.bundleId).toBe(out.bundleId)

    const verified = keyward(['bundle', 'verify', bundleFile, '-i', identityFile, '--expect-signer', out.signer.fingerprint])
    expect(verified.code, verified.err).toBe(0)
    expect(verified.out).toContain(`signed by ${out.signer.fingerprint}`)
    const inspected = keyward(['bundle', 'inspect', bundleFile, '-i', identityFile])
    expect(inspected.code).toBe(0)
    expect(inspected.out).toContain('acme-prod')
    expect(inspected.out).toContain(out.fingerprint)

    const imported = keyward(['bundle', 'import', bundleFile, '-i', identityFile, '--json'], { KEYWARD_DATA_DIR: vaultB })
    expect(imported.code, imported.err).toBe(0)
    expect(JSON.parse(imported.out)).toMatchObject({ bundleId: out.bundleId, fingerprint: out.fingerprint, collectionId })
    expectRefusal(keyward(['bundle', 'import', bundleFile, '-i', identityFile], { KEYWARD_DATA_DIR: vaultB }), 'BUNDLE_REPLAYED')

    const stranger = join(work, 'stranger.txt')
    spawnSync('age-keygen', ['-o', stranger])
    expectRefusal(keyward(['bundle', 'inspect', bundleFile, '-i', stranger]), 'BUNDLE_NOT_A_RECIPIENT')
    const cut = join(work, 'cut.age.asc')
    writeFileSync(cut, readFileSync(bundleFile).subarray(0, 200))
    expectRefusal(keyward(['bundle', 'import', cut, '-i', identityFile], { KEYWARD_DATA_DIR: vaultB }), 'BUNDLE_TRUNCATED')
  })

  it('exports to a passphrase from a file and refuses contradictory or missing encryption choices', () => {
    const bundlePass = join(work, 'bundle-pass.txt')
    writeFileSync(bundlePass, 'violet-harbor-quantum-seventeen-maple\n')
    expectRefusal(keyward(['bundle', 'export', '-c', collectionId]), 'INVALID_INPUT')
    expectRefusal(keyward(['bundle', 'export', '-c', collectionId, '-r', 'age1xyz', '--bundle-passphrase-file', bundlePass]), 'INVALID_INPUT')
    expectRefusal(keyward(['bundle', 'export', '-c', collectionId, '-r', 'age1xyz']), 'BUNDLE_RECIPIENT_INVALID')
    const r = keyward(['bundle', 'export', '-c', collectionId, '--bundle-passphrase-file', bundlePass, '--binary', '-o', join(work, 'p.age'), '--json'])
    expect(r.code, r.err).toBe(0)
    expect(readFileSync(join(work, 'p.age')).subarray(0, 21).toString()).toBe('age-encryption.org/v1')
    const wrong = join(work, 'wrong-bundle-pass.txt')
    writeFileSync(wrong, 'another-passphrase-entirely-here\n')
    expectRefusal(keyward(['bundle', 'inspect', join(work, 'p.age'), '--bundle-passphrase-file', wrong]), 'BUNDLE_BAD_PASSPHRASE')
    expect(keyward(['bundle', 'inspect', join(work, 'p.age'), '--bundle-passphrase-file', bundlePass]).code).toBe(0)
  }, 120_000)
})

describe('keyward bundle import of keys and service users', () => {
  it('prints per-kind counts of created, updated and skipped items with reasons, and the same as --json', async () => {
    const source = join(work, 'vault-keys-a')
    const target = join(work, 'vault-keys-b')
    const a = await openCore({ dataDir: source })
    const base = await makeLicensedCollection(a.client)
    const erp = await a.client.call('keys.create', { collectionId: base.collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    const alice = await makeUser(a.client, base.collection.id, erp.key.id, { username: 'svc-alice' })
    await a.client.call('tokens.generate', { userId: alice.user.id, clientId: alice.user.clientId, password: alice.password })
    await a.close(true)
    const b = await openCore({ dataDir: target })
    const client = await b.client.call('clients.create', { name: 'Acme B', tier: 'gold' })
    await b.close(true)

    const recipient = spawnSync('age-keygen', ['-y', identityFile], { encoding: 'utf8' }).stdout.trim()
    const bundle = (name: string) => {
      const file = join(work, name)
      const r = keyward(['bundle', 'export', '-c', base.collection.id, '-r', recipient, '--keys', 'all', '--users', 'all', '--tokens', '-o', file], { KEYWARD_DATA_DIR: source })
      expect(r.code, r.err).toBe(0)
      return file
    }
    const first = bundle('keys-1.age.asc')
    const second = bundle('keys-2.age.asc')

    expectRefusal(keyward(['bundle', 'import', first, '-i', identityFile], { KEYWARD_DATA_DIR: target }), 'LICENCE_REQUIRED')
    const text = keyward(['bundle', 'import', first, '-i', identityFile, '--licence-client', client.id], { KEYWARD_DATA_DIR: target })
    expect(text.code, text.err).toBe(0)
    expect(text.out).toContain('keys: 1 created, 0 updated, 0 skipped (of 1 in the bundle)')
    expect(text.out).toContain('service users: 1 created, 0 updated, 0 skipped (of 1 in the bundle)')
    expect(text.out).toContain('tokens: 0 created, 0 updated, 1 skipped (of 1 in the bundle)')
    expect(text.out).toMatch(/skipped token svc-alice \([0-9a-f-]{36}\): TOKEN_NOT_VERIFIABLE/)
    expect(text.out).toContain('to do: svc-alice')
    expect(text.out).toContain(`bound now for client ${client.id}`)

    const json = keyward(['bundle', 'import', second, '-i', identityFile, '--json'], { KEYWARD_DATA_DIR: target })
    expect(json.code, json.err).toBe(0)
    const r = JSON.parse(json.out) as { items: Record<string, unknown>; skipped: { kind: string; reason: string }[] }
    expect(r.items).toEqual({ keys: { created: 0, updated: 0, skipped: 1 }, serviceUsers: { created: 0, updated: 0, skipped: 1 }, tokens: { created: 0, updated: 0, skipped: 1 } })
    expect(r.skipped.map((x) => `${x.kind}:${x.reason}`)).toEqual(['key:UNCHANGED', 'serviceUser:UNCHANGED', 'token:TOKEN_NOT_VERIFIABLE'])
    for (const out of [text.out, json.out]) {
      expect(out).not.toContain(erp.secret)
      expect(out).not.toContain(alice.password)
    }
  }, 120_000)
})
