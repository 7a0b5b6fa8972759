import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateKey } from '../../src/core/keys/generate-key'
import { keywardKeyShape } from '../../src/core/scan/key-shape'
import { scanTree } from '../../src/core/scan/scanner'
import { openCore, tempDir, type TestCore } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'

/** The leak scan end to end through the contract: real keys, real files, scan.identify. */
const sha = (k: string) => createHash('sha256').update(k).digest('hex')
let t: TestCore | undefined

afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('leak scan with the key format and scan.identify', () => {
  it('finds issued keys in files and names each stored key; strangers are unknown, deleted keys say so', async () => {
    t = await openCore()
    const { collection } = await makeLicensedCollection(t.client)
    const erp = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    const wf = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'Flows', environment: 'test' })
    const gone = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Old app' })
    await t.client.call('keys.delete', { id: gone.key.id })
    const stranger = generateKey('erp_live')
    const typo = `${erp.secret.slice(0, 20)}${erp.secret[20] === 'a' ? 'b' : 'a'}${erp.secret.slice(21)}`

    const root = tempDir('keyward-leak-')
    mkdirSync(join(root, 'deploy'))
    writeFileSync(join(root, 'deploy/.env'), `ERP_KEY=${erp.secret}\nWF_KEY="${wf.secret}"\n# typo: ${typo}\n`)
    writeFileSync(join(root, 'notes.md'), `old ${gone.secret}\nsomeone else's: ${stranger}\nagain ${erp.secret}\n`)

    const result = await scanTree([root], { shape: keywardKeyShape })
    expect(result.hits.map((h) => [h.file.slice(root.length + 1), h.line, h.label, h.digest])).toEqual([
      ['deploy/.env', 1, 'erp_live', sha(erp.secret)],
      ['deploy/.env', 2, 'wf_test', sha(wf.secret)],
      ['notes.md', 1, 'mob_live', sha(gone.secret)],
      ['notes.md', 2, 'erp_live', sha(stranger)],
      ['notes.md', 3, 'erp_live', sha(erp.secret)],
    ])
    const digests = [...new Set(result.hits.map((h) => h.digest))]
    const matches = await t.client.call('scan.identify', { digests })
    expect(matches).toEqual([
      { digest: sha(erp.secret), key: { id: erp.key.id, name: 'XSS ERP', prefix: 'erp_live', collectionId: collection.id, collectionName: 'acme-prod', status: 'active', deleted: false } },
      { digest: sha(wf.secret), key: { id: wf.key.id, name: 'Flows', prefix: 'wf_test', collectionId: collection.id, collectionName: 'acme-prod', status: 'active', deleted: false } },
      { digest: sha(gone.secret), key: expect.objectContaining({ id: gone.key.id, name: 'Old app', deleted: true }) },
      { digest: sha(stranger), key: null },
    ])
    // Nothing in the answer carries a secret.
    const text = JSON.stringify(matches)
    for (const secret of [erp.secret, wf.secret, gone.secret]) expect(text).not.toContain(secret)
  })

  it('refuses digests that are not SHA-256 hex, empty or oversized lists, and a locked vault', async () => {
    t = await openCore()
    for (const digests of [[], ['abc'], ['A'.repeat(64)], ['g'.repeat(64)], Array.from({ length: 10_001 }, () => '0'.repeat(64))]) {
      const r = await t.client.invoke('scan.identify', { digests })
      expect(r.ok ? 'ok' : r.error.code).toBe('INVALID_INPUT')
    }
    // a pasted key in the wrong place is refused without being echoed
    const key = generateKey('erp_live')
    const r = await t.client.invoke('scan.identify', { digests: [key] })
    expect(r.ok).toBe(false)
    expect(JSON.stringify(r)).not.toContain(key)
    await t.core.lock()
    const locked = await t.client.invoke('scan.identify', { digests: ['0'.repeat(64)] })
    expect(locked.ok ? 'ok' : locked.error.code).toBe('VAULT_LOCKED')
  })
})
