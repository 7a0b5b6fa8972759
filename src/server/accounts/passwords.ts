import { randomBytes } from 'node:crypto'
import { hash, verify, type Algorithm } from '@node-rs/argon2'
import { passphraseStrength } from '../../shared/passphrase'
import { KeywardError } from '../../shared/errors'

/** Argon2id, 64 MiB, 3 passes: the same cost as the desktop vault's passphrase. */
// Algorithm is an ambient const enum (unusable with isolatedModules); 2 is its Argon2id.
const ARGON2ID = 2 as Algorithm
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 65_536, timeCost: 3, parallelism: 1 } as const

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

let dummy: Promise<string> | undefined
/**
 * A hash of a random password with the same cost, checked when the username is unknown, so
 * a login for a missing user takes as long as one for an existing user.
 */
export function dummyPasswordHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(32).toString('base64url'))
  return dummy
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/** Admin passwords follow the desktop's passphrase rule (length and zxcvbn score). */
export function assertStrongPassword(password: string): void {
  const strength = passphraseStrength(password)
  if (!strength.acceptable) throw new KeywardError('WEAK_PASSWORD', `This password is too weak: ${strength.feedback}`)
}
