import { relative } from 'node:path'
import type { Command } from 'commander'
import type { ScanMatch } from '../../shared/contract/scan'
import { MAX_IDENTIFY_DIGESTS } from '../../shared/contract/scan'
import { keywardKeyShape } from '../../core/scan/key-shape'
import { measureTree, scanTree, type ScanHit, type ScanResult } from '../../core/scan/scanner'
import type { InProcessClient } from '../../core/client'
import { positiveInt, print, printJson } from '../cli-io'
import { addVaultOptions, withVault, type VaultCliOptions } from '../vault-access'

interface ScanOptions extends VaultCliOptions {
  /** commander's --no-vault sets this to false. */
  vault?: boolean
  json?: boolean
  maxHits: number
  progress?: boolean
}

/** Exit code when the scan found at least one key (0: none found, 1: error, 2: usage). */
export const SCAN_FOUND_EXIT_CODE = 3

export type IdentifiedHit = ScanHit & { match: ScanMatch['key'] | 'not-looked-up' }

/** Looks every distinct digest up once, in batches the contract accepts. */
export async function identifyHits(client: InProcessClient, hits: ScanHit[]): Promise<IdentifiedHit[]> {
  const distinct = [...new Set(hits.map((h) => h.digest))]
  const byDigest = new Map<string, ScanMatch['key']>()
  for (let i = 0; i < distinct.length; i += MAX_IDENTIFY_DIGESTS) {
    const matches = await client.call('scan.identify', { digests: distinct.slice(i, i + MAX_IDENTIFY_DIGESTS) })
    for (const m of matches) byDigest.set(m.digest, m.key)
  }
  return hits.map((h) => ({ ...h, match: byDigest.get(h.digest) ?? null }))
}

const shown = (file: string) => {
  const rel = relative(process.cwd(), file)
  return rel && !rel.startsWith('..') ? rel : file
}

function describeMatch(match: IdentifiedHit['match']): string {
  if (match === 'not-looked-up') return 'not looked up (--no-vault)'
  if (match === null) return 'unknown key'
  const state = match.deleted ? 'deleted' : match.status
  return `key "${match.name}" (${match.id}) in collection "${match.collectionName}" [${state}]`
}

/** A progress bar on stderr, only when stderr is a terminal; stdout stays clean. */
async function withProgress<T>(roots: string[], enabled: boolean, run: (onProgress?: (p: { bytes: number; files: number }) => void) => Promise<T>): Promise<T> {
  if (!enabled || !process.stderr.isTTY) return run()
  const total = await measureTree(roots)
  const { SingleBar, Presets } = await import('cli-progress')
  const bar = new SingleBar(
    { stream: process.stderr, format: 'scanning [{bar}] {percentage}% | {files}/{totalFiles} files | {mb} MB', hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
    Presets.shades_classic,
  )
  const mb = (b: number) => (b / 1_048_576).toFixed(1)
  bar.start(Math.max(total.bytes, 1), 0, { files: 0, totalFiles: total.files, mb: mb(0) })
  try {
    return await run((p) => bar.update(Math.min(p.bytes, Math.max(total.bytes, 1)), { files: p.files, totalFiles: total.files, mb: mb(p.bytes) }))
  } finally {
    bar.stop()
  }
}

export function registerScan(program: Command): void {
  addVaultOptions(
    program
      .command('scan')
      .description(
        'Leak scan: find strings with a valid Keyward key checksum in files and name the stored key\n' +
          'each one is (by SHA-256 digest) or say "unknown key". Skips .git and binary files and follows\n' +
          `no symlinks. The keys themselves are never printed. Exit code ${SCAN_FOUND_EXIT_CODE} when a key was found.`,
      )
      .argument('<path...>', 'files or folders to scan')
      .option('--no-vault', 'do not open the vault: report hits without naming the stored keys')
      .option('--max-hits <n>', 'stop collecting after this many hits', positiveInt, 10_000)
      .option('--no-progress', 'no progress bar (there is none anyway unless stderr is a terminal)')
      .option('--json', 'print the result as JSON'),
  ).action(async (paths: string[], opts: ScanOptions) => {
    const lookUp = opts.vault !== false
    const result: ScanResult = await withProgress(paths, opts.progress !== false && !opts.json, (onProgress) =>
      scanTree(paths, { shape: keywardKeyShape, maxHits: opts.maxHits, ...(onProgress ? { onProgress } : {}) }),
    )
    const hits: IdentifiedHit[] =
      lookUp && result.hits.length > 0
        ? await withVault(opts, ({ client }) => identifyHits(client, result.hits))
        : result.hits.map((h) => ({ ...h, match: lookUp ? null : 'not-looked-up' }))
    if (hits.length > 0) process.exitCode = SCAN_FOUND_EXIT_CODE
    if (opts.json) {
      return printJson({
        files: result.files,
        bytes: result.bytes,
        skipped: result.skipped,
        truncated: result.truncated,
        lookedUp: lookUp,
        hits: hits.map((h) => ({ file: h.file, line: h.line, column: h.column, prefix: h.label, digest: h.digest, key: h.match === 'not-looked-up' ? undefined : h.match })),
      })
    }
    for (const h of hits) print(`${shown(h.file)}:${h.line}:${h.column}  ${h.label}  sha256:${h.digest.slice(0, 16)}  ${describeMatch(h.match)}`)
    const known = hits.filter((h) => h.match !== null && h.match !== 'not-looked-up').length
    const s = result.skipped
    print(
      `${hits.length} key${hits.length === 1 ? '' : 's'} found${lookUp ? ` (${known} stored, ${hits.length - known} unknown)` : ''}` +
        ` in ${result.files} files, ${(result.bytes / 1_048_576).toFixed(1)} MB; skipped ${s.binary} binary, ${s.symlinks} symlinks, ${s.gitDirs} .git, ${s.unreadable} unreadable` +
        (result.truncated ? `; stopped collecting after ${opts.maxHits} hits` : ''),
    )
  })
}
