import { v7 as uuidv7 } from 'uuid'
import { KeywardError } from '../../shared/errors'
import type { Logger } from '../../core/logger'
import type { LoginLimits } from '../config'
import { unsealServerSecret } from '../secrets/server-key'
import type { DeviceRecord, ServerStore } from '../store/server-store'
import { dummyPasswordHash, verifyPassword } from './passwords'
import { issueToken } from './tokens'
import { totpStep } from './totp'

export interface LoginInput {
  username: string
  password: string
  totp?: string
  deviceName: string
  ip: string
}

export interface LoginDeps {
  store: ServerStore
  serverKey: Buffer
  limits: LoginLimits
  deviceTokenTtlDays: number
  now: () => Date
  logger: Logger
}

/** A coded error that carries how long to wait; the HTTP layer turns it into Retry-After. */
export class RateLimitedError extends KeywardError {
  constructor(readonly retryAfterSeconds: number) {
    super('LOGIN_RATE_LIMITED', `Too many failed logins; try again in ${retryAfterSeconds} s.`)
  }
}

const FAILED = 'The username, password or one-time code is wrong.'

/**
 * Username + password (+ TOTP when the admin has it) → a new device with a bearer token.
 * Locked keys are refused before any password work; unknown users cost the same Argon2id
 * verification as known ones; failures count per username and per address.
 */
export async function login(d: LoginDeps, input: LoginInput): Promise<{ device: DeviceRecord; token: string }> {
  const username = input.username.toLowerCase()
  const userKey = `user:${username}`
  const ipKey = `ip:${input.ip}`
  const started = d.now()
  const lockedUntil = await d.store.lockedUntil([userKey, ipKey], started)
  if (lockedUntil) throw new RateLimitedError(Math.max(1, Math.ceil((lockedUntil.getTime() - started.getTime()) / 1000)))

  const admin = await d.store.findAdminByUsername(username)
  const passwordOk = await verifyPassword(admin?.passwordHash ?? (await dummyPasswordHash()), input.password)

  const fail = async (reason: string): Promise<never> => {
    const at = d.now()
    const user = await d.store.recordLoginFailure(userKey, at, d.limits.user)
    const ip = await d.store.recordLoginFailure(ipKey, at, d.limits.ip)
    d.logger.warn({ username, ip: input.ip, reason, failures: user.failures }, 'login failed')
    // A lock on a real account is an event its admins should see; unknown names only reach the log.
    if (admin && user.lockedUntil && user.failures === d.limits.user.threshold) {
      await d.store.appendAudit({ actor: 'system', action: 'admins.lockout', entity: 'admin', entityId: admin.id, details: { username, until: user.lockedUntil.toISOString(), ip: input.ip } })
    }
    if (user.lockedUntil || ip.lockedUntil) {
      const until = Math.max(user.lockedUntil?.getTime() ?? 0, ip.lockedUntil?.getTime() ?? 0)
      throw new RateLimitedError(Math.max(1, Math.ceil((until - at.getTime()) / 1000)))
    }
    throw new KeywardError('LOGIN_FAILED', FAILED)
  }

  if (!admin || !passwordOk) return fail(admin ? 'wrong password' : 'unknown username')
  if (admin.totpSecret) {
    // Only said after a correct password, so it reveals nothing to someone guessing.
    if (!input.totp) throw new KeywardError('TOTP_REQUIRED', 'This account needs the 6-digit code from its authenticator app.')
    const secret = unsealServerSecret(d.serverKey, admin.totpSecret, { table: 'admins', column: 'totp_secret', rowId: admin.id })
    const step = totpStep(secret, input.totp, d.now())
    if (step === undefined) return fail('wrong one-time code')
    if (!(await d.store.claimTotpStep(admin.id, step))) return fail('one-time code already used')
  }

  const now = d.now()
  await d.store.clearLoginFailures(userKey, new Date(now.getTime() - d.limits.user.windowMs - d.limits.user.maxLockMs))
  const { token, tokenHash } = issueToken('device')
  const id = uuidv7()
  const device = await d.store.createDevice(
    { id, adminId: admin.id, name: input.deviceName, tokenHash, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + d.deviceTokenTtlDays * 86_400_000).toISOString() },
    { actor: admin.username, action: 'devices.login', entity: 'device', entityId: id, details: { deviceName: input.deviceName, ip: input.ip } },
  )
  d.logger.info({ username, deviceId: id, ip: input.ip }, 'login succeeded')
  return { device, token }
}
