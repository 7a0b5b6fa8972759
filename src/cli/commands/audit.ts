import { existsSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import type { Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import type { ReportFormat } from '../../shared/contract/audit'
import { positiveInt, print, printJson, readTextFile, writeOutputFile } from '../cli-io'
import { addVaultOptions, withOfflineCore, withVault, type VaultCliOptions } from '../vault-access'

interface ReportOptions extends VaultCliOptions {
  outDir: string
  format: string
  expiringWithin: number
  unusedFor: number
  force?: boolean
  json?: boolean
}

interface VerifyOptions {
  sig?: string
  expectSigner?: string
  json?: boolean
}

function parseFormats(list: string): ReportFormat[] {
  const formats = list.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean)
  for (const f of formats) {
    if (f !== 'json' && f !== 'html' && f !== 'csv') throw new KeywardError('INVALID_INPUT', `Unknown report format "${f.slice(0, 20)}"; use json, html or csv.`)
  }
  if (formats.length === 0) throw new KeywardError('INVALID_INPUT', 'Name at least one report format.')
  return formats as ReportFormat[]
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Offline audit: the signed audit report and the hash-chained audit log')

  addVaultOptions(
    audit
      .command('report')
      .description('Write the signed audit report of this vault (printable HTML, JSON, CSV + .sig)')
      .option('-o, --out-dir <dir>', 'folder to write the report files into', '.')
      .option('--format <list>', 'comma-separated formats: json,html,csv', 'json,html,csv')
      .option('--expiring-within <days>', 'flag keys that expire within this many days', positiveInt, 30)
      .option('--unused-for <days>', 'flag keys not used for this many days', positiveInt, 90)
      .option('--force', 'replace report files that already exist')
      .option('--json', 'print what was written as JSON'),
  ).action(async (opts: ReportOptions) => {
    const formats = parseFormats(opts.format)
    const outDir = resolve(opts.outDir)
    if (!existsSync(outDir)) throw new KeywardError('FILE_WRITE_FAILED', `The output folder ${opts.outDir} does not exist.`)
    await withVault(opts, async ({ client }) => {
      const { report, signer, files } = await client.call('audit.report', { formats, expiringWithinDays: opts.expiringWithin, unusedForDays: opts.unusedFor })
      // Check every target first, so a refusal leaves no half-written report behind.
      const targets = files.flatMap((f) => [join(outDir, f.fileName), ...(f.signatureFile ? [join(outDir, f.signatureFile.fileName)] : [])])
      if (!opts.force) {
        const clash = targets.find((p) => existsSync(p))
        if (clash) throw new KeywardError('FILE_WRITE_FAILED', `${clash} already exists; pass --force to replace it.`)
      }
      const written = files.map((f) => ({
        format: f.format,
        path: writeOutputFile(join(outDir, f.fileName), f.content, true),
        sha256: f.sha256,
        signaturePath: f.signatureFile ? writeOutputFile(join(outDir, f.signatureFile.fileName), f.signatureFile.content, true) : null,
      }))
      if (opts.json) return printJson({ signer, summary: report.summary, auditChain: report.auditChain, files: written })
      print(`Audit report of ${report.generatedAt}: ${report.summary.total} findings (${Object.entries(report.summary.bySeverity).map(([k, v]) => `${v} ${k}`).join(', ')})`)
      print(`Audit log: ${report.auditChain.ok ? `intact, ${report.auditChain.entries} entries` : `BROKEN at entry ${report.auditChain.firstBrokenSeq}: ${report.auditChain.reason}`}`)
      for (const w of written) print(`  ${w.format.padEnd(4)} ${w.path}${w.signaturePath ? `\n       ${w.signaturePath}` : ''}`)
      print(`Signed by ${signer.fingerprint}`)
    })
  })

  audit
    .command('verify')
    .description('Check the signature of a report file offline and say which key signed it (no vault needed)')
    .argument('<file>', 'the report: .json, .html, or .csv (with FILE.sig next to it)')
    .option('--sig <file>', 'detached signature of a CSV report (default: FILE.sig)')
    .option('--expect-signer <fingerprint>', 'fail unless this key signed it')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: VerifyOptions) => {
      const content = readTextFile(file, 'report')
      const sigPath = opts.sig ?? (file.toLowerCase().endsWith('.csv') && existsSync(`${file}.sig`) ? `${file}.sig` : undefined)
      const signature = sigPath ? readTextFile(sigPath, 'signature file', 64 * 1024) : undefined
      const result = await withOfflineCore((client) => client.call('audit.verifyReport', { fileName: basename(file), content, signature, expectSigner: opts.expectSigner }))
      if (opts.json) return printJson(result)
      print(`OK: ${file} (${result.format}) is signed and unchanged.`)
      print(`Signed by key ${result.signer.fingerprint}`)
      print(`SHA-256 ${result.sha256}`)
    })

  addVaultOptions(
    audit
      .command('verify-chain')
      .description('Walk the hash chain of this vault\'s audit log and name the first broken link')
      .option('--json', 'print the result as JSON'),
  ).action(async (opts: VaultCliOptions & { json?: boolean }) => {
    const status = await withVault(opts, ({ client }) => client.call('audit.verify', {}))
    if (opts.json) printJson(status)
    if (!status.ok) {
      throw new KeywardError('AUDIT_CHAIN_BROKEN', `The audit log is broken at entry ${status.firstBrokenSeq}: ${status.reason}.`)
    }
    if (!opts.json) print(`OK: the audit log chains correctly (${status.entries} entries, last hash ${status.lastHash}).`)
  })
}
