import { Secret, TOTP } from 'otpauth'

const PERIOD = 30

const totpFor = (secretBase32: string, label = 'admin') =>
  new TOTP({ issuer: 'Keyward server', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secretBase32) })

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/** The otpauth:// URI an authenticator app imports (shown once, at creation). */
export function totpUri(secretBase32: string, username: string): string {
  return totpFor(secretBase32, username).toString()
}

/**
 * The time step the code belongs to (current step ±1, for clock drift), or undefined when
 * it matches none. The caller records the step so the same code can't be used twice.
 */
export function totpStep(secretBase32: string, code: string, now: Date): number | undefined {
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: now.getTime(), window: 1 })
  if (delta === null) return undefined
  return Math.floor(now.getTime() / 1000 / PERIOD) + delta
}

