import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { KeywardError } from '../shared/errors'
import { writeFileAtomic } from '../core/vault/vault-file'

/** Small file and terminal helpers every command shares, each failure a coded error. */

export function readInputFile(path: string, what: string, maxBytes = 64 * 1024 * 1024): Buffer {
  const full = resolve(path)
  let size: number
  try {
    const stat = statSync(full)
    if (!stat.isFile()) throw new KeywardError('FILE_UNREADABLE', `The ${what} ${path} is not a regular file.`)
    size = stat.size
  } catch (error) {
    if (error instanceof KeywardError) throw error
    throw new KeywardError('FILE_NOT_FOUND', `The ${what} ${path} does not exist or cannot be reached.`)
  }
  if (size > maxBytes) throw new KeywardError('FILE_TOO_LARGE', `The ${what} ${path} is ${size} bytes; the limit is ${maxBytes}.`)
  try {
    return readFileSync(full)
  } catch {
    throw new KeywardError('FILE_UNREADABLE', `The ${what} ${path} cannot be read (permissions?).`)
  }
}

/** UTF-8 text, refusing invalid sequences so two different files never read as one text. */
export function readTextFile(path: string, what: string, maxBytes?: number): string {
  const bytes = readInputFile(path, what, maxBytes)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new KeywardError('FILE_UNREADABLE', `The ${what} ${path} is not UTF-8 text.`)
  }
}

/** Secret files (passphrases): the first line, without its line ending. */
export function readSecretFile(path: string, what: string): string {
  const text = readTextFile(path, what, 64 * 1024)
  const line = text.split(/\r?\n/, 1)[0] ?? ''
  if (line.length === 0) throw new KeywardError('PASSPHRASE_REQUIRED', `The ${what} ${path} is empty.`)
  return line
}

/** age identity files: one `AGE-SECRET-KEY-1…` per line, `#` comments. */
export function readIdentityFile(path: string): string[] {
  const identities = readTextFile(path, 'identity file', 1024 * 1024)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
  if (identities.length === 0) throw new KeywardError('BUNDLE_NOT_A_RECIPIENT', `The identity file ${path} holds no age identity.`)
  return identities
}

/** Writes atomically (temp file + rename, mode 0600); refuses to replace a file unless asked. */
export function writeOutputFile(path: string, content: string | Uint8Array, force = false): string {
  const full = resolve(path)
  if (!force && existsSync(full)) throw new KeywardError('FILE_WRITE_FAILED', `${path} already exists; choose another name or pass --force.`)
  if (!existsSync(dirname(full))) throw new KeywardError('FILE_WRITE_FAILED', `The folder of ${basename(full)} (${dirname(full)}) does not exist.`)
  try {
    writeFileAtomic(full, content)
  } catch {
    throw new KeywardError('FILE_WRITE_FAILED', `${path} could not be written (permissions or disk space?).`)
  }
  return full
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Collects a repeatable option into an array (commander's reducer signature). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new KeywardError('INVALID_INPUT', `"${value.slice(0, 20)}" is not a positive whole number.`)
  return n
}
