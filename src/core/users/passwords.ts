import { hash, verify } from '@node-rs/argon2'
import { randomBytes } from 'node:crypto'
import { GENERATED_PASSWORD_LENGTH } from '../../shared/contract/users'
import { KeywardError } from '../../shared/errors'
import { passphraseStrength } from '../../shared/passphrase'
import { randomBase62 } from '../keys/generate-key'

/**
 * Service-user passwords: Argon2id at OWASP's floor for interactive logins (19 MiB, 2 passes,
 * 1 lane). Token generation verifies one per request, so the vault KDF's 64 MiB / 3 passes
 * would make every login cost ~200 ms of CPU for no gain: these passwords are either
 * generated (≈ 167 bits) or had to pass the strength check below.
 */
export const PASSWORD_HASH_OPTIONS = { algorithm: 2 /* Argon2id; a const enum upstream */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/** 28 base62 characters from the OS CSPRNG (log2(62^28) ≈ 167 bits). */
export function generatePassword(): string {
  return randomBase62(GENERATED_PASSWORD_LENGTH)
}

/**
 * An admin-chosen password must be as strong as a vault passphrase (zxcvbn score ≥ 3, ≥ 12
 * characters) and must not contain the username. The message never repeats the password.
 */
export function assertStrongPassword(password: string, username: string): void {
  if (password.length > 256) throw new KeywardError('USER_PASSWORD_WEAK', 'The password is longer than 256 characters.')
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) {
    throw new KeywardError('USER_PASSWORD_WEAK', 'The password must not contain the username.')
  }
  const strength = passphraseStrength(password)
  if (!strength.acceptable) throw new KeywardError('USER_PASSWORD_WEAK', `That password is too weak. ${strength.feedback}`)
}

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), PASSWORD_HASH_OPTIONS)
}

export async function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password.normalize('NFC'))
  } catch {
    return false
  }
}

let decoy: Promise<string> | undefined

/**
 * Spends the same Argon2 work as a real check when there is no user to check against, so
 * response time does not tell which usernames exist.
 */
export async function burnPasswordCheck(password: string): Promise<false> {
  decoy ??= hashPassword(randomBytes(24).toString('base64'))
  await passwordMatches(await decoy, password)
  return false
}
