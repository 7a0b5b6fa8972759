import { createHash } from 'node:crypto'
import { lstat, open, opendir, realpath } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { KeywardError } from '../../shared/errors'

/**
 * The leak scan engine (DESIGN §7): walks files, finds strings shaped like a key and keeps
 * those whose checksum holds. It never keeps a whole file in memory (chunks with an overlap
 * as long as a key), never follows a symlink (so it cannot leave the tree), skips `.git` and
 * binary files, and reports each key by its SHA-256 digest, never the key itself.
 */
export interface KeyShape {
  /** Candidate tokens, including their boundaries (lookbehind/lookahead); the flags are ignored. */
  candidate: RegExp
  /** The longest a candidate can be, so a key across two chunks is still seen whole. */
  maxLength: number
  /** The checksum check: true only for a structurally valid key. */
  isValid(candidate: string): boolean
  /** A non-secret label for reports (the key prefix, e.g. `erp_live`). */
  label(key: string): string
}

export interface ScanHit {
  file: string
  /** 1-based line and column (in bytes from the line start). */
  line: number
  column: number
  label: string
  /** SHA-256 of the whole key, hex: the store looks keys up by this digest. */
  digest: string
}

export interface ScanProgress {
  files: number
  bytes: number
}

export interface ScanOptions {
  shape: KeyShape
  chunkSize?: number
  onProgress?(progress: ScanProgress): void
  /** Stop collecting after this many hits (the summary says it was cut). */
  maxHits?: number
}

export interface ScanResult {
  hits: ScanHit[]
  truncated: boolean
  files: number
  bytes: number
  skipped: { binary: number; symlinks: number; unreadable: number; gitDirs: number }
}

const DEFAULT_CHUNK = 1024 * 1024
/** Like git: a NUL byte in the first 8000 bytes makes a file binary. */
const BINARY_SNIFF = 8000

interface Entry {
  path: string
  size: number
}

type Skipped = ScanResult['skipped']

/** Every regular file under the roots, depth first, without following symlinks. */
async function* walk(roots: string[], skipped: Skipped): AsyncGenerator<Entry> {
  for (const root of roots) {
    let full: string
    try {
      // A root the user named explicitly may itself be a link; nothing below it is followed.
      full = await realpath(resolve(root))
    } catch {
      throw new KeywardError('SCAN_PATH_NOT_FOUND', `${root} does not exist or cannot be reached.`)
    }
    yield* walkPath(full, skipped)
  }
}

async function* walkPath(path: string, skipped: Skipped): AsyncGenerator<Entry> {
  let stat
  try {
    stat = await lstat(path)
  } catch {
    skipped.unreadable += 1
    return
  }
  if (stat.isSymbolicLink()) {
    skipped.symlinks += 1
    return
  }
  if (stat.isFile()) {
    yield { path, size: stat.size }
    return
  }
  if (!stat.isDirectory()) return
  let dir
  try {
    dir = await opendir(path)
  } catch {
    skipped.unreadable += 1
    return
  }
  const names: string[] = []
  for await (const entry of dir) names.push(entry.name)
  names.sort()
  for (const name of names) {
    if (name === '.git') {
      skipped.gitDirs += 1
      continue
    }
    yield* walkPath(join(path, name), skipped)
  }
}

/** Files and bytes a scan of these roots will read (for a progress bar's total). */
export async function measureTree(roots: string[]): Promise<ScanProgress> {
  const total = { files: 0, bytes: 0 }
  const skipped = { binary: 0, symlinks: 0, unreadable: 0, gitDirs: 0 }
  for await (const entry of walk(roots, skipped)) {
    total.files += 1
    total.bytes += entry.size
  }
  return total
}

export async function scanTree(roots: string[], options: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = { hits: [], truncated: false, files: 0, bytes: 0, skipped: { binary: 0, symlinks: 0, unreadable: 0, gitDirs: 0 } }
  for await (const entry of walk(roots, result.skipped)) {
    const outcome = await scanFile(entry.path, options, result)
    if (outcome === 'binary') result.skipped.binary += 1
    else if (outcome === 'unreadable') result.skipped.unreadable += 1
    result.files += 1
    result.bytes += entry.size
    options.onProgress?.({ files: result.files, bytes: result.bytes })
  }
  return result
}

async function scanFile(path: string, options: ScanOptions, result: ScanResult): Promise<'scanned' | 'binary' | 'unreadable'> {
  let handle
  try {
    handle = await open(path, 'r')
  } catch {
    return 'unreadable'
  }
  try {
    const chunkSize = Math.max(options.chunkSize ?? DEFAULT_CHUNK, options.shape.maxLength * 2)
    const buffer = Buffer.allocUnsafe(chunkSize)
    const scanner = createChunkScanner(options.shape, (hit) => {
      if (options.maxHits !== undefined && result.hits.length >= options.maxHits) {
        result.truncated = true
        return
      }
      result.hits.push({ file: path, ...hit })
    })
    let first = true
    for (;;) {
      let bytesRead: number
      try {
        ;({ bytesRead } = await handle.read(buffer, 0, chunkSize, null))
      } catch {
        return 'unreadable'
      }
      if (first && buffer.subarray(0, Math.min(bytesRead, BINARY_SNIFF)).includes(0)) return 'binary'
      first = false
      if (bytesRead === 0) {
        scanner.end()
        return 'scanned'
      }
      // latin1 maps each byte to one character, so offsets stay byte offsets.
      scanner.push(buffer.toString('latin1', 0, bytesRead))
    }
  } finally {
    await handle.close()
  }
}

/**
 * Finds keys in text that arrives in pieces. Each window is the kept tail of the previous
 * one plus the new piece; a match is taken only where it cannot continue into the next
 * piece, and one character before the window is kept so boundary lookbehinds still see it.
 */
export function createChunkScanner(shape: KeyShape, onHit: (hit: Omit<ScanHit, 'file'>) => void) {
  const pattern = new RegExp(shape.candidate.source, 'g')
  let carry = ''
  let carryHasContext = false
  let line = 1
  /** Absolute offset of the start of `carry`, and of the current line. */
  let windowStart = 0
  let lineStart = 0

  const advanceLines = (text: string, from: number, to: number) => {
    let at = text.indexOf('\n', from)
    while (at >= 0 && at < to) {
      line += 1
      lineStart = windowStart + at + 1
      at = text.indexOf('\n', at + 1)
    }
  }

  const process = (text: string, final: boolean) => {
    const searchFrom = carryHasContext ? 1 : 0
    // Keep enough for a whole key plus its trailing boundary character.
    const cut = final ? text.length : Math.max(searchFrom, text.length - shape.maxLength - 1)
    pattern.lastIndex = searchFrom
    let counted = 0
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (m.index >= cut) break
      const candidate = m[0]
      if (candidate.length === 0) {
        pattern.lastIndex += 1
        continue
      }
      if (!shape.isValid(candidate)) continue
      advanceLines(text, counted, m.index)
      counted = m.index
      onHit({
        line,
        column: windowStart + m.index - lineStart + 1,
        label: shape.label(candidate),
        digest: createHash('sha256').update(candidate, 'latin1').digest('hex'),
      })
    }
    if (final) return
    const keepFrom = Math.max(0, cut - 1)
    advanceLines(text, counted, keepFrom)
    carry = text.slice(keepFrom)
    carryHasContext = keepFrom < cut
    windowStart += keepFrom
  }

  return {
    push(piece: string) {
      process(carry + piece, false)
    },
    end() {
      process(carry, true)
      carry = ''
    },
  }
}
