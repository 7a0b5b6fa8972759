import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3-multiple-ciphers'
import { appendAudit } from '../../src/core/audit/audit-log'
import { buildReport } from '../../src/core/report/build-report'
import { csvCell } from '../../src/core/report/render-csv'
import { escapeHtml } from '../../src/core/report/render-html'
import { verifyReportFile } from '../../src/core/report/report-files'
import type { Session } from '../../src/core/session'
import { installationInfo, installationSigningKey } from '../../src/core/signing/installation-key'
import { createHlc } from '../../src/core/store/hlc'
import { loadMigrations, migrate } from '../../src/core/store/migrate'
import { unseal } from '../../src/core/store/seal'
import { KeyIndex } from '../../src/core/keys/key-index'
import { generateSigningKeyPair, publicKeyFingerprint, signingKeyFromDer, verifyBytes } from '../../src/core/signing/signature'
import { makeTopology, openCore, type TestCore } from '../helpers/core'

let t: TestCore | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

/** A session on a real, migrated in-memory SQLite database, for checks that edit rows directly. */
function memorySession(): Session {
  const db = new Database(':memory:')
  migrate(db, loadMigrations())
  return {
    db,
    sealKey: randomBytes(32),
    hlc: createHlc('0123456789abcdef'),
    installationId: 'test-installation',
    now: () => new Date(),
    emit: () => {},
    keyIndex: new KeyIndex(db, () => Date.now()),
  }
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    return (error as { code?: string }).code ?? 'THREW_UNCODED'
  }
  return 'ACCEPTED'
}

describe('the installation signing key', () => {
  it('is created once per vault, kept across unlocks, and named by the SHA-256 of its raw public key', async () => {
    t = await openCore()
    const first = await t.client.call('installation.info', {})
    expect(first.signer.algorithm).toBe('Ed25519')
    expect(first.signer.fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/)
    expect(first.signer.fingerprint).toBe(publicKeyFingerprint(Buffer.from(first.signer.publicKey, 'base64')))
    await t.client.call('vault.lock', {})
    await t.client.call('vault.unlock', { passphrase: 'correct horse battery staple 42' })
    expect(await t.client.call('installation.info', {})).toEqual(first)
    const created = await t.client.call('audit.list', { action: 'installation.signingKeyCreated' })
    expect(created.total).toBe(1)
    expect(JSON.stringify(created)).not.toMatch(/private/i)
  })

  it('keeps the private key sealed in its row, bound to that row', () => {
    const s = memorySession()
    const info = installationInfo(s, 'tester')
    const row = s.db.prepare('SELECT id, public_key, private_key FROM installation_keys').get() as { id: string; public_key: Buffer; private_key: Buffer }
    expect(row.public_key.toString('base64')).toBe(info.signer.publicKey)
    // A PKCS#8 Ed25519 key starts 30 2e 02 01 00 30 05 06 03 2b 65 70; the row holds ciphertext.
    expect(row.private_key.includes(Buffer.from('2b6570', 'hex'))).toBe(false)
    expect(() => unseal(s.sealKey, row.private_key, { table: 'installation_keys', column: 'private_key', rowId: 'another-row' })).toThrow()
    expect(installationSigningKey(s, 'tester').signer).toEqual(info.signer)
    expect((s.db.prepare('SELECT count(*) AS n FROM installation_keys').get() as { n: number }).n).toBe(1)
  })

  it('signs bytes that verify, and refuses other bytes, keys and malformed input', () => {
    const pair = generateSigningKeyPair()
    const key = signingKeyFromDer(pair.privateKeyDer)
    const other = signingKeyFromDer(generateSigningKeyPair().privateKeyDer)
    const sig = key.sign('hello')
    expect(verifyBytes(key.signer.publicKey, 'hello', sig)).toBe(true)
    expect(verifyBytes(key.signer.publicKey, 'hellp', sig)).toBe(false)
    expect(verifyBytes(other.signer.publicKey, 'hello', sig)).toBe(false)
    for (const bad of ['', 'not base64!', sig.slice(0, -4), `${sig}AA==`]) expect(verifyBytes(key.signer.publicKey, 'hello', bad)).toBe(false)
    expect(verifyBytes('AAAA', 'hello', sig)).toBe(false)
  })
})

describe('the audit report', () => {
  async function reportFiles() {
    t = await openCore()
    await makeTopology(t.client)
    return t.client.call('audit.report', {})
  }

  it('reports the audit chain status, inventory and findings, signed by the installation key', async () => {
    const { report, signer, files } = await reportFiles()
    const info = await t!.client.call('installation.info', {})
    expect(signer).toEqual(info.signer)
    expect(report.auditChain.ok).toBe(true)
    expect(report.checks).toContain('audit-chain')
    expect(report.inventory).toMatchObject({ regions: 1, servers: 1, collections: 1 })
    expect(report.findings.map((f) => f.kind)).toEqual(['audit_chain_verified'])
    expect(files.map((f) => f.format).sort()).toEqual(['csv', 'html', 'json'])
    for (const f of files) {
      const verified = verifyReportFile({ fileName: f.fileName, content: f.content, signature: f.signatureFile?.content })
      expect(verified.signer.fingerprint).toBe(info.signer.fingerprint)
      expect(verified.format).toBe(f.format)
    }
    const entry = await t!.client.call('audit.list', { action: 'audit.report' })
    expect(entry.entries[0]!.details).toMatchObject({ signer: info.signer.fingerprint })
  })

  it('names a broken audit chain as a critical finding, with the first broken entry', () => {
    const s = memorySession()
    for (const name of ['a', 'b', 'c']) appendAudit(s, { actor: 'tester', action: 'test.entry', entity: 'test', details: { name } })
    // What someone with the database key could do: drop the guard and rewrite history.
    s.db.exec('DROP TRIGGER audit_log_no_update')
    s.db.prepare(`UPDATE audit_log SET details = '{"name":"x"}' WHERE seq = 2`).run()
    const report = buildReport(s, { expiringWithinDays: 30, unusedForDays: 90 })
    expect(report.auditChain).toMatchObject({ ok: false, firstBrokenSeq: 2 })
    expect(report.findings[0]).toMatchObject({ kind: 'audit_chain_broken', severity: 'critical', entityId: '2' })
    expect(report.summary.bySeverity.critical).toBe(1)
  })

  it('refuses a report whose signer fingerprint is spelled otherwise than Keyward writes it', async () => {
    // found by the single-byte property below: one letter of the fingerprint in upper case
    const { files, signer } = await reportFiles()
    const upper = signer.fingerprint.toUpperCase()
    expect(upper).not.toBe(signer.fingerprint)
    for (const f of files) {
      if (f.signatureFile) {
        const signature = f.signatureFile.content.replace(signer.fingerprint, upper)
        expect(signature).not.toBe(f.signatureFile.content)
        expect(codeOf(() => verifyReportFile({ fileName: f.fileName, content: f.content, signature }))).toBe('REPORT_BAD_SIGNATURE')
      } else {
        const content = f.content.replace(signer.fingerprint, upper)
        expect(content).not.toBe(f.content)
        expect(codeOf(() => verifyReportFile({ fileName: f.fileName, content }))).toBe('REPORT_BAD_SIGNATURE')
      }
      // a person may still type the expected fingerprint in upper case
      expect(codeOf(() => verifyReportFile({ fileName: f.fileName, content: f.content, signature: f.signatureFile?.content, expectSigner: upper }))).toBe('ACCEPTED')
    }
  })

  it('fails verification when any single byte of a signed JSON, HTML or CSV report changes', async () => {
    const { files } = await reportFiles()
    for (const f of files) {
      const bytes = Buffer.from(f.content, 'utf8')
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
          const edited = Buffer.from(bytes)
          edited[pos] = (edited[pos]! + delta) % 256
          const text = edited.toString('utf8')
          const code = codeOf(() => verifyReportFile({ fileName: f.fileName, content: text, signature: f.signatureFile?.content }))
          expect(['REPORT_BAD_SIGNATURE', 'REPORT_MALFORMED', 'REPORT_UNSIGNED']).toContain(code)
        }),
        { numRuns: 300 },
      )
      // Removing or adding one byte fails too.
      expect(codeOf(() => verifyReportFile({ fileName: f.fileName, content: f.content.slice(0, -1), signature: f.signatureFile?.content }))).not.toBe('ACCEPTED')
      expect(codeOf(() => verifyReportFile({ fileName: f.fileName, content: ` ${f.content}`, signature: f.signatureFile?.content }))).not.toBe('ACCEPTED')
    }
  })

  it('refuses an edited detached signature, a missing one, and the wrong expected signer', async () => {
    const { files } = await reportFiles()
    const csv = files.find((f) => f.format === 'csv')!
    const json = files.find((f) => f.format === 'json')!
    expect(codeOf(() => verifyReportFile({ fileName: csv.fileName, content: csv.content }))).toBe('REPORT_UNSIGNED')
    const sig = JSON.parse(csv.signatureFile!.content) as { signature: string }
    const forged = csv.signatureFile!.content.replace(sig.signature, signingKeyFromDer(generateSigningKeyPair().privateKeyDer).sign(csv.content))
    expect(codeOf(() => verifyReportFile({ fileName: csv.fileName, content: csv.content, signature: forged }))).toBe('REPORT_BAD_SIGNATURE')
    const stranger = signingKeyFromDer(generateSigningKeyPair().privateKeyDer).signer.fingerprint
    expect(codeOf(() => verifyReportFile({ fileName: json.fileName, content: json.content, expectSigner: stranger }))).toBe('REPORT_WRONG_SIGNER')
    const own = JSON.parse(json.content) as { signer: { fingerprint: string } }
    expect(verifyReportFile({ fileName: json.fileName, content: json.content, expectSigner: own.signer.fingerprint.replace(/ /g, '').toUpperCase() }).valid).toBe(true)
  })

  it('refuses a report re-signed by another key that keeps the original signer name', async () => {
    const { files } = await reportFiles()
    const json = files.find((f) => f.format === 'json')!
    const envelope = JSON.parse(json.content) as { signer: { publicKey: string } }
    const other = signingKeyFromDer(generateSigningKeyPair().privateKeyDer)
    const swapped = json.content.replace(envelope.signer.publicKey, other.signer.publicKey)
    expect(codeOf(() => verifyReportFile({ fileName: json.fileName, content: swapped }))).toBe('REPORT_BAD_SIGNATURE')
  })

  it('is a self-contained page: no scripts, no external resources, print styles', async () => {
    t = await openCore()
    const { files } = await t.client.call('audit.report', { formats: ['html'] })
    const html = files[0]!.content
    expect(html).toContain('@media print')
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import|https?:\/\//i)
    expect(html).toContain("default-src 'none'")
    expect(html.startsWith('<!doctype html>')).toBe(true)
  })

  it('escapes text for HTML and defuses spreadsheet formulas in CSV cells', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;')
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`)
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('plain')).toBe('plain')
  })
})

describe('report verification through the contract', () => {
  it('works on a locked vault (offline check needs no passphrase)', async () => {
    t = await openCore()
    const { files } = await t.client.call('audit.report', { formats: ['json'] })
    await t.client.call('vault.lock', {})
    const r = await t.client.call('audit.verifyReport', { fileName: files[0]!.fileName, content: files[0]!.content })
    expect(r.valid).toBe(true)
  })
})
