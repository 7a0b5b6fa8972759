import { createHmac, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { KeywardError } from '../../shared/errors'
import { seal, unseal, type SealContext } from '../../core/store/seal'

export const SERVER_KEY_FILE = 'server.key'
export const SERVER_KEY_ENV = 'KEYWARD_SERVER_KEY'

/**
 * The key the server seals its own few secrets with (admins' TOTP secrets). It never lives in
 * the database, so a stolen database dump alone reveals no TOTP secret. Taken from
 * $KEYWARD_SERVER_KEY (64 hex chars or base64 of 32 bytes; required when several instances
 * share one PostgreSQL) or from `server.key` in the data directory, created on first start.
 */
export function loadServerKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[SERVER_KEY_ENV]
  if (fromEnv) return parseKey(fromEnv, `$${SERVER_KEY_ENV}`)
  const file = join(dataDir, SERVER_KEY_FILE)
  try {
    return parseKey(readFileSync(file, 'utf8'), file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  try {
    // 'wx': two processes starting at once can't both create (and disagree on) the key.
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return parseKey(readFileSync(file, 'utf8'), file)
}

function parseKey(text: string, source: string): Buffer {
  const value = text.trim()
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64')
  if (key.length !== 32) throw new KeywardError('SERVER_KEY_MISMATCH', `The server key in ${source} must be 32 bytes (64 hex characters or base64).`)
  return key
}

/** A public fingerprint stored in the database, so an instance started with another key refuses to run. */
export function serverKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('keyward server key check v1').digest('hex')
}

export function sealServerSecret(key: Buffer, plaintext: string, ctx: SealContext): string {
  return seal(key, plaintext, ctx).toString('base64')
}

export function unsealServerSecret(key: Buffer, sealed: string, ctx: SealContext): string {
  return unseal(key, Buffer.from(sealed, 'base64'), ctx).toString('utf8')
}
