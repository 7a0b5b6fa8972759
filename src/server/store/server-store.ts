import { canonicalJson, createChainChecker, nextAuditEntry, toAuditEntry, type AuditEntry, type AuditInput, type AuditRow, type ChainStatus } from '../../core/audit/audit-log'
import type { Migration } from '../../core/store/migrate'
import { KeywardError } from '../../shared/errors'
import type { GatewayScopeName } from '../../shared/server-api'
import type { Dialect, SqlDriver, SqlTx } from './sql-driver'

export interface AdminRecord {
  id: string
  username: string
  passwordHash: string
  /** Sealed under the server key (base64), or null when the admin has no TOTP. */
  totpSecret: string | null
  totpLastStep: number | null
  createdAt: string
}

export interface DeviceRecord {
  id: string
  adminId: string
  adminUsername: string
  name: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  revokedAt: string | null
}

export interface GatewayTokenRecord {
  id: string
  name: string
  scopes: GatewayScopeName[]
  createdBy: string
  createdAt: string
  revokedAt: string | null
}

export interface NewDevice {
  id: string
  adminId: string
  name: string
  tokenHash: string
  createdAt: string
  expiresAt: string
}

export interface NewGatewayToken {
  id: string
  name: string
  tokenHash: string
  scopes: GatewayScopeName[]
  createdBy: string
  createdAt: string
}

export interface ThrottlePolicy {
  /** Failures inside `windowMs` before the key is locked. */
  threshold: number
  windowMs: number
  /** First lock lasts baseLockMs, doubling with each further failure, up to maxLockMs. */
  baseLockMs: number
  maxLockMs: number
}

export type Readiness = { ready: true; migrations: number } | { ready: false; reason: string }

/**
 * Everything the remote instance keeps, behind one interface. Each mutation is one
 * transaction together with its audit entry, so a change is never recorded without its
 * audit line or the other way round. The SQL is written once; `driver` carries the dialect.
 */
export interface ServerStore {
  readonly dialect: Dialect
  /** The driver itself, for the sync engine's own transactions. */
  readonly driver: SqlDriver
  readiness(): Promise<Readiness>
  close(): Promise<void>

  getMeta(key: string): Promise<string | undefined>
  /** Sets the value unless one exists; returns the stored value either way. */
  initMeta(key: string, value: string): Promise<string>

  countAdmins(): Promise<number>
  createAdmin(admin: Omit<AdminRecord, 'totpLastStep'>, audit: AuditInput): Promise<AdminRecord>
  findAdminByUsername(username: string): Promise<AdminRecord | undefined>
  /** Accepts a TOTP step only if it is later than the last accepted one (no replays). */
  claimTotpStep(adminId: string, step: number): Promise<boolean>

  createDevice(device: NewDevice, audit: AuditInput): Promise<DeviceRecord>
  findDeviceByTokenHash(tokenHash: string): Promise<DeviceRecord | undefined>
  getDevice(id: string): Promise<DeviceRecord | undefined>
  listDevices(): Promise<DeviceRecord[]>
  touchDevice(id: string, at: string): Promise<void>
  /** Revokes (idempotently; the audit entry is written only by the revocation that happened). */
  revokeDevice(id: string, at: string, audit: AuditInput): Promise<DeviceRecord>

  createGatewayToken(token: NewGatewayToken, audit: AuditInput): Promise<GatewayTokenRecord>
  findGatewayTokenByHash(tokenHash: string): Promise<GatewayTokenRecord | undefined>
  listGatewayTokens(): Promise<GatewayTokenRecord[]>
  revokeGatewayToken(id: string, at: string, audit: AuditInput): Promise<GatewayTokenRecord>

  appendAudit(audit: AuditInput): Promise<AuditEntry>
  listAudit(afterSeq: number, limit: number): Promise<AuditEntry[]>
  verifyAudit(): Promise<ChainStatus>

  /** The latest lock end over `keys` that is still in the future, if any. */
  lockedUntil(keys: string[], now: Date): Promise<Date | undefined>
  recordLoginFailure(key: string, now: Date, policy: ThrottlePolicy): Promise<{ failures: number; lockedUntil: Date | undefined }>
  /** Forgets `key`'s failures, and every entry untouched since `staleBefore` whose lock is over. */
  clearLoginFailures(key: string, staleBefore: Date): Promise<void>
}

interface AdminRow {
  id: string
  username: string
  password_hash: string
  totp_secret: string | null
  totp_last_step: number | string | null
  created_at: string
}

interface DeviceRow {
  id: string
  admin_id: string
  admin_username: string
  name: string
  created_at: string
  last_seen_at: string
  expires_at: string
  revoked_at: string | null
}

interface GatewayTokenRow {
  id: string
  name: string
  scopes: string
  created_by: string
  created_at: string
  revoked_at: string | null
}

const toAdmin = (r: AdminRow): AdminRecord => ({
  id: r.id,
  username: r.username,
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  totpLastStep: r.totp_last_step === null ? null : Number(r.totp_last_step),
  createdAt: r.created_at,
})

const toDevice = (r: DeviceRow): DeviceRecord => ({
  id: r.id,
  adminId: r.admin_id,
  adminUsername: r.admin_username,
  name: r.name,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
})

const toGatewayToken = (r: GatewayTokenRow): GatewayTokenRecord => ({
  id: r.id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as GatewayScopeName[],
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

const DEVICE_SELECT = `SELECT d.id, d.admin_id, a.username AS admin_username, d.name, d.created_at, d.last_seen_at, d.expires_at, d.revoked_at
  FROM devices d JOIN admins a ON a.id = d.admin_id`
const GATEWAY_SELECT = 'SELECT id, name, scopes, created_by, created_at, revoked_at FROM gateway_tokens'
const AUDIT_PAGE = 500

export function createServerStore(driver: SqlDriver, migrations: Migration[], now: () => Date): ServerStore {
  const q = driver.queries

  /** The one way an audit entry is written: inside the caller's transaction, under the chain lock. */
  const appendIn = async (tx: SqlTx, input: AuditInput): Promise<AuditEntry> => {
    await tx.lock('audit')
    const last = await tx.get<{ seq: number | string; hash: string }>('SELECT seq, hash FROM server_audit ORDER BY seq DESC LIMIT 1')
    const e = nextAuditEntry(last ? { seq: Number(last.seq), hash: last.hash } : undefined, input, now())
    await tx.run('INSERT INTO server_audit (seq, at, actor, action, entity, entity_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      e.seq,
      e.at,
      e.actor,
      e.action,
      e.entity,
      e.entityId,
      canonicalJson(e.details),
      e.prevHash,
      e.hash,
    ])
    return e
  }

  const uniqueOr = (error: unknown, code: 'USERNAME_TAKEN', message: string): never => {
    if (driver.isUniqueViolation(error)) throw new KeywardError(code, message)
    throw error
  }

  const deviceIn = async (tx: SqlTx | typeof q, id: string) => {
    const row = await tx.get<DeviceRow>(`${DEVICE_SELECT} WHERE d.id = ?`, [id])
    return row ? toDevice(row) : undefined
  }

  return {
    driver,
    dialect: driver.dialect,

    async readiness() {
      try {
        await driver.ping()
        const applied = await driver.appliedMigrations()
        const missing = migrations.filter((m) => !applied.some((a) => Number(a.version) === m.version && a.hash === m.hash))
        if (missing.length) return { ready: false, reason: `migration ${missing[0]!.version} (${missing[0]!.name}) is not applied` }
        return { ready: true, migrations: migrations.length }
      } catch {
        return { ready: false, reason: 'the database cannot be reached' }
      }
    },
    close: () => driver.close(),

    async getMeta(key) {
      return (await q.get<{ value: string }>('SELECT value FROM server_meta WHERE key = ?', [key]))?.value
    },
    async initMeta(key, value) {
      await q.run('INSERT INTO server_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value])
      return (await q.get<{ value: string }>('SELECT value FROM server_meta WHERE key = ?', [key]))!.value
    },

    async countAdmins() {
      return Number((await q.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM admins'))!.n)
    },
    async createAdmin(admin, audit) {
      try {
        return await driver.transaction(async (tx) => {
          await tx.run('INSERT INTO admins (id, username, password_hash, totp_secret, totp_last_step, created_at) VALUES (?, ?, ?, ?, NULL, ?)', [
            admin.id,
            admin.username,
            admin.passwordHash,
            admin.totpSecret,
            admin.createdAt,
          ])
          await appendIn(tx, audit)
          return { ...admin, totpLastStep: null }
        })
      } catch (error) {
        return uniqueOr(error, 'USERNAME_TAKEN', `There is already an admin named "${admin.username}".`)
      }
    },
    async findAdminByUsername(username) {
      const row = await q.get<AdminRow>('SELECT * FROM admins WHERE username = ?', [username])
      return row ? toAdmin(row) : undefined
    },
    async claimTotpStep(adminId, step) {
      const changed = await q.run('UPDATE admins SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)', [step, adminId, step])
      return changed === 1
    },

    async createDevice(device, audit) {
      return driver.transaction(async (tx) => {
        await tx.run('INSERT INTO devices (id, admin_id, name, token_hash, created_at, last_seen_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)', [
          device.id,
          device.adminId,
          device.name,
          device.tokenHash,
          device.createdAt,
          device.createdAt,
          device.expiresAt,
        ])
        await appendIn(tx, audit)
        return (await deviceIn(tx, device.id))!
      })
    },
    async findDeviceByTokenHash(tokenHash) {
      const row = await q.get<DeviceRow>(`${DEVICE_SELECT} WHERE d.token_hash = ?`, [tokenHash])
      return row ? toDevice(row) : undefined
    },
    getDevice: (id) => deviceIn(q, id),
    async listDevices() {
      return (await q.all<DeviceRow>(`${DEVICE_SELECT} ORDER BY d.created_at, d.id`)).map(toDevice)
    },
    async touchDevice(id, at) {
      await q.run('UPDATE devices SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?', [at, id, at])
    },
    async revokeDevice(id, at, audit) {
      return driver.transaction(async (tx) => {
        const changed = await tx.run('UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])
        if (changed === 1) await appendIn(tx, audit)
        const device = await deviceIn(tx, id)
        if (!device) throw new KeywardError('DEVICE_NOT_FOUND', 'There is no device with this id.')
        return device
      })
    },

    async createGatewayToken(token, audit) {
      return driver.transaction(async (tx) => {
        await tx.run('INSERT INTO gateway_tokens (id, name, token_hash, scopes, created_by, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)', [
          token.id,
          token.name,
          token.tokenHash,
          JSON.stringify(token.scopes),
          token.createdBy,
          token.createdAt,
        ])
        await appendIn(tx, audit)
        return { id: token.id, name: token.name, scopes: token.scopes, createdBy: token.createdBy, createdAt: token.createdAt, revokedAt: null }
      })
    },
    async findGatewayTokenByHash(tokenHash) {
      const row = await q.get<GatewayTokenRow>(`${GATEWAY_SELECT} WHERE token_hash = ?`, [tokenHash])
      return row ? toGatewayToken(row) : undefined
    },
    async listGatewayTokens() {
      return (await q.all<GatewayTokenRow>(`${GATEWAY_SELECT} ORDER BY created_at, id`)).map(toGatewayToken)
    },
    async revokeGatewayToken(id, at, audit) {
      return driver.transaction(async (tx) => {
        const changed = await tx.run('UPDATE gateway_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [at, id])
        if (changed === 1) await appendIn(tx, audit)
        const row = await tx.get<GatewayTokenRow>(`${GATEWAY_SELECT} WHERE id = ?`, [id])
        if (!row) throw new KeywardError('GATEWAY_TOKEN_NOT_FOUND', 'There is no gateway token with this id.')
        return toGatewayToken(row)
      })
    },

    appendAudit: (audit) => driver.transaction((tx) => appendIn(tx, audit)),
    async listAudit(afterSeq, limit) {
      return (await q.all<AuditRow>('SELECT * FROM server_audit WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit])).map(toAuditEntry)
    },
    async verifyAudit() {
      const checker = createChainChecker()
      for (let after = 0; ; ) {
        const rows = await q.all<AuditRow>('SELECT * FROM server_audit WHERE seq > ? ORDER BY seq LIMIT ?', [after, AUDIT_PAGE])
        for (const row of rows) {
          const broken = checker.check(row)
          if (broken) return broken
        }
        if (rows.length < AUDIT_PAGE) return checker.done()
        after = Number(rows[rows.length - 1]!.seq)
      }
    },

    async lockedUntil(keys, at) {
      const marks = keys.map(() => '?').join(', ')
      const row = await q.get<{ until: string | null }>(`SELECT MAX(locked_until) AS until FROM login_throttle WHERE key IN (${marks}) AND locked_until > ?`, [...keys, at.toISOString()])
      return row?.until ? new Date(row.until) : undefined
    },
    async recordLoginFailure(key, at, policy) {
      const stamp = at.toISOString()
      const windowStart = new Date(at.getTime() - policy.windowMs).toISOString()
      return driver.transaction(async (tx) => {
        // One statement, so two instances counting the same key never lose a failure.
        const row = await tx.get<{ failures: number | string }>(
          `INSERT INTO login_throttle (key, failures, locked_until, updated_at) VALUES (?, 1, NULL, ?)
           ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN login_throttle.updated_at < ? THEN 1 ELSE login_throttle.failures + 1 END,
             updated_at = excluded.updated_at
           RETURNING failures`,
          [key, stamp, windowStart],
        )
        const failures = Number(row!.failures)
        if (failures < policy.threshold) return { failures, lockedUntil: undefined }
        const lockMs = Math.min(policy.baseLockMs * 2 ** (failures - policy.threshold), policy.maxLockMs)
        const lockedUntil = new Date(at.getTime() + lockMs)
        await tx.run('UPDATE login_throttle SET locked_until = ? WHERE key = ?', [lockedUntil.toISOString(), key])
        return { failures, lockedUntil }
      })
    },
    async clearLoginFailures(key, staleBefore) {
      const stale = staleBefore.toISOString()
      await q.run('DELETE FROM login_throttle WHERE key = ? OR (updated_at < ? AND (locked_until IS NULL OR locked_until < ?))', [key, stale, stale])
    },
  }
}
