import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { generateKey } from '../../src/core/keys/generate-key'
import { openCore, PASSPHRASE, tempDir } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'

// Each test starts several `keyward` processes (tsx compiles the sources at every start), which
// takes minutes on a loaded two-core machine: a generous hang guard, not a speed target.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 })

/** `keyward scan`, `keyward keys verify` and `keyward keys list` as child processes on a real vault. */
const BIN = join(__dirname, '../../bin/keyward.js')
const work = tempDir('keyward-cli-keys-')
const vault = join(work, 'vault')
const passFile = join(work, 'pass.txt')
const tree = join(work, 'tree')
const outside = tempDir('keyward-cli-outside-')
const sha = (k: string) => createHash('sha256').update(k).digest('hex')
let collectionId = ''
let erp = { id: '', secret: '' }
let wf = { id: '', secret: '' }
const stranger = generateKey('erp_live')
const beyond = generateKey('wf_live')

function keyward(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: work,
    encoding: 'utf8',
    input: options.input ?? '',
    env: { ...process.env, KEYWARD_DATA_DIR: vault, KEYWARD_PASSPHRASE_FILE: passFile, KEYWARD_LOG_LEVEL: 'warn', ...options.env },
    timeout: 60_000,
  })
  const all = `${r.stdout}${r.stderr}`
  // Neither the passphrase nor any key found or verified is ever printed.
  for (const secret of [PASSPHRASE, erp.secret, wf.secret, stranger, beyond].filter(Boolean)) expect(all).not.toContain(secret)
  return { code: r.status, out: r.stdout, err: r.stderr }
}

function expectRefusal(r: { code: number | null; err: string }, code: string) {
  expect(r.code).toBe(1)
  expect(r.err).toMatch(new RegExp(`^keyward: ${code}: [^\\n]+\\n$`))
}

beforeAll(async () => {
  writeFileSync(passFile, `${PASSPHRASE}\n`)
  const t = await openCore({ dataDir: vault })
  const base = await makeLicensedCollection(t.client)
  collectionId = base.collection.id
  const a = await t.client.call('keys.create', { collectionId, applicationKind: 'erp', name: 'XSS ERP', allowedIps: ['10.0.0.0/8'] })
  const b = await t.client.call('keys.create', { collectionId, applicationKind: 'workflow', name: 'Flows' })
  erp = { id: a.key.id, secret: a.secret }
  wf = { id: b.key.id, secret: b.secret }
  await t.close(true)
  mkdirSync(join(tree, 'src'), { recursive: true })
  mkdirSync(join(tree, '.git'))
  writeFileSync(join(tree, 'src/config.ts'), `export const key = '${erp.secret}'\n`)
  writeFileSync(join(tree, 'README.md'), `# app\n\nUse ${stranger} for tests.\n`)
  writeFileSync(join(tree, '.git/leak'), `${wf.secret}\n`)
  writeFileSync(join(tree, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(wf.secret)]))
  writeFileSync(join(outside, 'elsewhere.txt'), `${beyond}\n`)
  symlinkSync(outside, join(tree, 'out'))
})

afterAll(() => {
  spawnSync('rm', ['-rf', work, outside])
})

describe('keyward scan', () => {
  it('reports each key with file, line and the stored key or "unknown key", exit code 3', () => {
    const r = keyward(['scan', tree])
    expect(r.code, r.err).toBe(3)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`README\\.md:3:5  erp_live  sha256:${sha(stranger).slice(0, 16)}  unknown key$`))
    expect(lines[1]).toMatch(new RegExp(`src/config\\.ts:1:21  erp_live  sha256:${sha(erp.secret).slice(0, 16)}  key "XSS ERP" \\(${erp.id}\\) in collection "acme-prod" \\[active\\]$`))
    expect(lines[2]).toMatch(/^2 keys found \(1 stored, 1 unknown\) in 3 files, .* skipped 1 binary, 1 symlinks, 1 \.git/)
    // no progress bar when stderr is not a terminal
    expect(r.err).toBe('')
  })

  it('--json names the stored key by digest; --no-vault needs no passphrase', () => {
    const r = keyward(['scan', tree, '--json'])
    expect(r.code).toBe(3)
    const out = JSON.parse(r.out) as { lookedUp: boolean; hits: { file: string; line: number; digest: string; key: { id: string; collectionId: string } | null }[] }
    expect(out.lookedUp).toBe(true)
    expect(out.hits.map((h) => [h.file.slice(tree.length + 1), h.line, h.digest, h.key?.id ?? null, h.key?.collectionId ?? null])).toEqual([
      ['README.md', 3, sha(stranger), null, null],
      ['src/config.ts', 1, sha(erp.secret), erp.id, collectionId],
    ])
    const offline = keyward(['scan', tree, '--no-vault', '--json'], { env: { KEYWARD_PASSPHRASE_FILE: join(work, 'no-such-file') } })
    expect(offline.code, offline.err).toBe(3)
    const o = JSON.parse(offline.out) as { lookedUp: boolean; hits: { key?: unknown }[] }
    expect(o.lookedUp).toBe(false)
    expect(o.hits).toHaveLength(2)
    expect(o.hits.every((h) => h.key === undefined)).toBe(true)
    expect(keyward(['scan', tree, '--no-vault']).out).toContain('not looked up (--no-vault)')
  })

  it('exits 0 on a clean tree without opening the vault, refuses missing paths and bad options', () => {
    const clean = join(work, 'clean')
    mkdirSync(clean)
    writeFileSync(join(clean, 'a.txt'), 'nothing here erp_live_short\n')
    const r = keyward(['scan', clean], { env: { KEYWARD_PASSPHRASE_FILE: join(work, 'no-such-file') } })
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/^0 keys found \(0 stored, 0 unknown\) in 1 files/)
    expectRefusal(keyward(['scan', join(work, 'missing')]), 'SCAN_PATH_NOT_FOUND')
    expectRefusal(keyward(['scan', tree, '--max-hits', '0']), 'INVALID_INPUT')
    expect(keyward(['scan']).code).toBe(2)
  })
})

describe('keyward keys', () => {
  it('verify answers the fixed codes from an argument, standard input or a file, honouring --ip and --method', () => {
    const ok = keyward(['keys', 'verify', '-', '--ip', '10.1.2.3', '--json'], { input: `${erp.secret}\n` })
    expect(ok.code, ok.err).toBe(0)
    expect(JSON.parse(ok.out)).toMatchObject({ code: 'VALID', keyId: erp.id, collectionId, applicationKind: 'erp' })
    const keyFile = join(work, 'key.txt')
    writeFileSync(keyFile, `${erp.secret}\n`)
    const far = keyward(['keys', 'verify', '--key-file', keyFile, '--ip', '192.168.1.1'])
    expect(far.code).toBe(3)
    expect(far.out.split('\n')[0]).toBe('IP_NOT_ALLOWED')
    const wrongMethod = keyward(['keys', 'verify', '-', '--ip', '10.0.0.1', '--method', 'soap.NoSuch.Thing', '--json'], { input: erp.secret })
    expect(JSON.parse(wrongMethod.out)).toMatchObject({ code: 'FORBIDDEN_METHOD' })
    const typo = `${wf.secret.slice(0, -1)}${wf.secret.endsWith('a') ? 'b' : 'a'}`
    expect(keyward(['keys', 'verify', '-'], { input: typo }).out.split('\n')[0]).toBe('BAD_CHECKSUM')
    expect(keyward(['keys', 'verify', '-'], { input: stranger }).out.split('\n')[0]).toBe('NOT_FOUND')
    const malformed = keyward(['keys', 'verify', 'not-a-key'])
    expect(malformed.code).toBe(3)
    expect(malformed.out).toBe('MALFORMED\n')
    expectRefusal(keyward(['keys', 'verify']), 'INVALID_INPUT')
    expectRefusal(keyward(['keys', 'verify', 'x', '--key-file', keyFile]), 'INVALID_INPUT')
    expectRefusal(keyward(['keys', 'verify', '--key-file', join(work, 'nope')]), 'FILE_NOT_FOUND')
  })

  it('list shows masked keys, filtered by collection id or name and status', () => {
    const all = JSON.parse(keyward(['keys', 'list', '--json']).out) as { id: string; name: string }[]
    expect(all.map((k) => k.name).sort()).toEqual(['Flows', 'XSS ERP'])
    const byName = keyward(['keys', 'list', '-c', 'ACME-prod'])
    expect(byName.code, byName.err).toBe(0)
    const lines = byName.out.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+KEY\s+APPLICATION\s+STATUS\s+EXPIRES\s+LAST USED\s+ID$/)
    expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/)[0]).sort()).toEqual(['Flows', 'XSS ERP'])
    expect(byName.out).toMatch(/erp_live_[0-9A-Za-z]{4}…[0-9A-Za-z]{4}/)
    expect(lines.at(-1)).toBe('2 keys')
    expect(JSON.parse(keyward(['keys', 'list', '-c', collectionId, '--status', 'revoked', '--json']).out)).toEqual([])
    expect(keyward(['keys', 'list', '--application', 'workflow']).out).toContain('Flows')
    expectRefusal(keyward(['keys', 'list', '-c', 'no-such-collection']), 'COLLECTION_NOT_FOUND')
    expectRefusal(keyward(['keys', 'list', '--status', 'sleepy']), 'INVALID_INPUT')
  })

  it('documents scan and keys in --help', () => {
    for (const path of [['scan'], ['keys'], ['keys', 'verify'], ['keys', 'list']]) {
      const r = keyward([...path, '--help'])
      expect(r.code, path.join(' ')).toBe(0)
      expect(r.out).toContain(`Usage: keyward ${path.join(' ')}`)
    }
  })
})
