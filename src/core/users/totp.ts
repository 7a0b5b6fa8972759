import { randomBytes } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import QRCode from 'qrcode'
import type { TotpProvisioning } from '../../shared/contract/users'

/**
 * TOTP (RFC 6238) as every authenticator app expects it: SHA-1, 6 digits, 30-second steps,
 * 160-bit secrets. A code is accepted for the current step and one step either side (clock
 * drift), and never twice: the caller stores the step it was accepted for and passes it
 * back as `lastStep`.
 */
export const TOTP_SETTINGS = { algorithm: 'SHA1', digits: 6, period: 30 } as const
const ISSUER = 'Keyward'
const WINDOW = 1
const CODE = /^\d{6}$/

export function newTotpSecret(): Buffer {
  return randomBytes(20)
}

const totpFor = (secret: Buffer, label = 'service-user') =>
  new TOTP({ issuer: ISSUER, label, secret: new Secret({ buffer: new Uint8Array(secret).buffer }), ...TOTP_SETTINGS })

/** The provisioning URI and its QR code (both contain the secret: handed out once, never logged). */
export async function totpProvisioning(secret: Buffer, label: string): Promise<TotpProvisioning> {
  const totp = totpFor(secret, label)
  const uri = totp.toString()
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return { uri, qrSvg, secret: totp.secret.base32, issuer: ISSUER, label, digits: TOTP_SETTINGS.digits, periodSeconds: TOTP_SETTINGS.period, algorithm: TOTP_SETTINGS.algorithm }
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' }

/** Checks `code` at `nowMs`; a code of a step at or before `lastStep` is a replay. */
export function checkTotp(secret: Buffer, code: string, nowMs: number, lastStep: number | null): TotpCheck {
  const token = code.replace(/\s+/g, '')
  if (!CODE.test(token)) return { ok: false, reason: 'malformed' }
  const delta = totpFor(secret).validate({ token, timestamp: nowMs, window: WINDOW })
  if (delta === null) return { ok: false, reason: 'wrong' }
  const step = Math.floor(nowMs / 1000 / TOTP_SETTINGS.period) + delta
  if (lastStep !== null && step <= lastStep) return { ok: false, reason: 'replayed' }
  return { ok: true, step }
}

/** The code an authenticator shows at `nowMs` (tests and the CLI's self-check). */
export function totpCodeAt(secret: Buffer, nowMs: number): string {
  return totpFor(secret).generate({ timestamp: nowMs })
}
