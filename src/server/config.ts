import { resolve } from 'node:path'
import type pino from 'pino'
import type { ThrottlePolicy } from './store/server-store'
import type { FoldOptions } from './sync/engine'

export const DEFAULT_DATA_DIR = './keyward-server-data'
/**
 * Gateway usage counts (key_usage) are written this often. A gateway that cycles through
 * thousands of keys makes every write a row per key: at 2 s that took about a twentieth of
 * the verify route's CPU in the benchmark's profile, and every 10 s writes a fifth as many
 * rows. Nothing in the product waits for these counts (a crash loses at most this long of
 * them; a clean stop writes them).
 */
export const DEFAULT_USAGE_FLUSH_MS = 10_000
export const DEFAULT_HOST = '127.0.0.1'
/** Plain HTTP (normally behind a TLS-terminating proxy) on 8080; built-in TLS on 8443. */
export const DEFAULT_HTTP_PORT = 8080
export const DEFAULT_TLS_PORT = 8443
/** Sync batches are the largest requests; anything above this is refused before parsing. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024

export interface LoginLimits {
  /** Per username: a few guesses, then doubling locks. */
  user: ThrottlePolicy
  /** Per client address: more room (an office behind one NAT), same doubling. */
  ip: ThrottlePolicy
  /** Plain request rate on the login route per address, counted in this instance's memory. */
  requestsPerMinute: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  user: { threshold: 5, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000 },
  ip: { threshold: 20, windowMs: 15 * 60_000, baseLockMs: 30_000, maxLockMs: 15 * 60_000 },
  requestsPerMinute: 30,
}

export interface ServerConfig {
  dataDir: string
  host: string
  port: number
  /** postgres://… ; absent → embedded SQLite in dataDir. */
  database?: string
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Fastify's trustProxy: true, a hop count, or comma-separated addresses/CIDRs of the proxies. */
  trustProxy: boolean | number | string
  bodyLimit: number
  deviceTokenTtlDays: number
  loginLimits: LoginLimits
  logger: pino.Logger
  /** Overrides $KEYWARD_SERVER_KEY and server.key (tests). */
  serverKey?: Buffer
  /** Numbered .sql files of the dialect in use (tests point it at a copy). */
  migrationsDir?: string
  now: () => Date
  /** How often gateway usage counts are written (ms). */
  usageFlushMs: number
  /** Requests per minute per client address to the public JWKS route (in this instance's memory). */
  jwksRequestsPerMinute: number
  /** How often the instance follows the change log written by other instances (ms; 0 = never). */
  syncTailMs: number
  /** When the change log is folded into entity_fields (SyncEngine defaults: 1 s after the last push, 2 000 changes a transaction). */
  syncFold?: FoldOptions
}

export type ServerConfigInput = Partial<ServerConfig> & Pick<ServerConfig, 'logger'>

export function resolveConfig(input: ServerConfigInput): ServerConfig {
  return {
    dataDir: resolve(input.dataDir ?? DEFAULT_DATA_DIR),
    host: input.host ?? DEFAULT_HOST,
    port: input.port ?? (input.tls ? DEFAULT_TLS_PORT : DEFAULT_HTTP_PORT),
    database: input.database,
    tls: input.tls,
    trustProxy: input.trustProxy ?? false,
    bodyLimit: input.bodyLimit ?? DEFAULT_BODY_LIMIT,
    deviceTokenTtlDays: input.deviceTokenTtlDays ?? 90,
    loginLimits: input.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    logger: input.logger,
    serverKey: input.serverKey,
    migrationsDir: input.migrationsDir,
    now: input.now ?? (() => new Date()),
    usageFlushMs: input.usageFlushMs ?? DEFAULT_USAGE_FLUSH_MS,
    syncTailMs: input.syncTailMs ?? 1_000,
    syncFold: input.syncFold,
    jwksRequestsPerMinute: input.jwksRequestsPerMinute ?? 600,
  }
}
