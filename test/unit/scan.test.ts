import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createChunkScanner, measureTree, scanTree, type KeyShape, type ScanHit } from '../../src/core/scan/scanner'
import { tempDir } from '../helpers/core'

/**
 * Keys built to the documented format (DESIGN §2) with Node's own CRC-32, independently of
 * the key domain: `<app>_<env>_<32 base62><6 base62 of CRC32 of everything before>`.
 */
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const base62 = (n: number, width: number) => {
  let out = ''
  for (let i = 0; i < width; i++, n = Math.floor(n / 62)) out = B62[n % 62]! + out
  return out
}
const makeKey = (prefix = 'erp_live') => {
  const random = Array.from(randomBytes(32), (b) => B62[b % 62]).join('')
  const body = `${prefix}_${random}`
  return body + base62(crc32(body), 6)
}

const documentedShape: KeyShape = {
  candidate: /(?<![A-Za-z0-9_])[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}(?![A-Za-z0-9_])/,
  maxLength: 8 + 1 + 4 + 1 + 38,
  isValid: (k) => base62(crc32(k.slice(0, -6)), 6) === k.slice(-6),
  label: (k) => k.slice(0, k.length - 39),
}

const digest = (k: string) => createHash('sha256').update(k).digest('hex')

function scanString(text: string, pieceSize: number): Omit<ScanHit, 'file'>[] {
  const hits: Omit<ScanHit, 'file'>[] = []
  const scanner = createChunkScanner(documentedShape, (h) => hits.push(h))
  for (let i = 0; i < text.length; i += pieceSize) scanner.push(text.slice(i, i + pieceSize))
  scanner.end()
  return hits
}

/** Where each inserted key really is, computed the slow obvious way. */
function expected(text: string, keys: string[]) {
  return keys.map((k) => {
    const at = text.indexOf(k)
    const before = text.slice(0, at)
    return { line: before.split('\n').length, column: at - (before.lastIndexOf('\n') + 1) + 1, label: k.slice(0, k.length - 39), digest: digest(k) }
  })
}

describe('the chunked key finder', () => {
  it('finds exactly the valid keys, with line and column, whatever the chunk boundaries', () => {
    // Printable text and newlines, starting and ending with a separator so keys stay tokens.
    const separator = fc.constantFrom(' ', '\n', '"', '=', ',', '\r\n')
    const filler = fc.tuple(separator, fc.stringMatching(/^[ -~\n]{0,300}$/), separator).map(([a, text, b]) => `${a}${text}${b}`)
    fc.assert(
      fc.property(fc.array(filler, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 200 }), (fillers, pieceSize) => {
        const keys = fillers.slice(1).map((_, i) => makeKey(i % 2 ? 'wf_test' : 'erp_live'))
        const text = fillers.map((f, i) => (i === 0 ? f : `${keys[i - 1]}${f}`)).join('')
        expect(scanString(text, pieceSize)).toEqual(expected(text, keys))
      }),
      { numRuns: 300 },
    )
  })

  it('ignores keys with a wrong checksum, truncated keys, keys glued to other word characters', () => {
    const k = makeKey()
    const typo = `${k.slice(0, 15)}${k[15] === 'a' ? 'b' : 'a'}${k.slice(16)}`
    const text = `ok ${k}\nbad ${typo}\ncut ${k.slice(0, -1)}\nglued x${k} ${k}y _${k}\n`
    const hits = scanString(text, 7)
    expect(hits).toEqual([{ line: 1, column: 4, label: 'erp_live', digest: digest(k) }])
  })
})

describe('scanning a tree', () => {
  it('walks files, skips .git, binaries and symlinks (never leaving the tree), reports file and line', async () => {
    const root = tempDir('keyward-scan-')
    const outside = tempDir('keyward-outside-')
    const inTree = makeKey()
    const deep = makeKey('mob_live')
    const inGit = makeKey()
    const inBinary = makeKey()
    const beyond = makeKey()
    mkdirSync(join(root, 'src/deep'), { recursive: true })
    mkdirSync(join(root, '.git'))
    writeFileSync(join(root, 'config.env'), `# settings\nAPI_KEY=${inTree}\n`)
    writeFileSync(join(root, 'src/deep/app.ts'), `${'x'.repeat(3_000_000)}\nconst k = "${deep}"\n`)
    writeFileSync(join(root, '.git/config'), `${inGit}\n`)
    writeFileSync(join(root, 'image.bin'), Buffer.concat([Buffer.from([0x89, 0x50, 0x00, 0x01]), Buffer.from(inBinary)]))
    writeFileSync(join(outside, 'secret.txt'), `${beyond}\n`)
    symlinkSync(outside, join(root, 'link-out'))
    symlinkSync(join(outside, 'secret.txt'), join(root, 'file-link'))
    const progress: number[] = []
    const result = await scanTree([root], { shape: documentedShape, chunkSize: 64 * 1024, onProgress: (p) => progress.push(p.files) })
    expect(result.hits.map((h) => ({ file: h.file.slice(root.length + 1), line: h.line, digest: h.digest }))).toEqual([
      { file: 'config.env', line: 2, digest: digest(inTree) },
      { file: 'src/deep/app.ts', line: 2, digest: digest(deep) },
    ])
    expect(result.skipped).toMatchObject({ binary: 1, symlinks: 2, gitDirs: 1 })
    expect(progress.at(-1)).toBe(result.files)
    expect(await measureTree([root])).toEqual({ files: 3, bytes: result.bytes })
    await expect(scanTree([join(root, 'nope')], { shape: documentedShape })).rejects.toMatchObject({ code: 'SCAN_PATH_NOT_FOUND' })
  })
})
