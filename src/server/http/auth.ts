import type { FastifyRequest } from 'fastify'
import { KeywardError } from '../../shared/errors'
import type { RouteAuth } from '../../shared/server-api'
import { tokenHash, tokenKind } from '../accounts/tokens'
import type { DeviceRecord, GatewayTokenRecord, ServerStore } from '../store/server-store'

export type Principal = { kind: 'none' } | { kind: 'admin'; device: DeviceRecord } | { kind: 'gateway'; gatewayToken: GatewayTokenRecord }

/** last_seen_at is written at most this often per device, not on every request. */
const TOUCH_EVERY_MS = 60_000

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization
  const m = typeof header === 'string' ? /^Bearer ([^\s]+)$/.exec(header) : null
  if (!m) throw new KeywardError('UNAUTHORIZED', 'Send "Authorization: Bearer <token>" with this request.')
  return m[1]!
}

/**
 * Gateway tokens looked up recently, so the verification path needs no SQL per request and
 * never waits for the database (on SQLite a lookup would queue behind a running push). An
 * entry is fresh for GATEWAY_CACHE_MS; after that it is still answered from while one
 * background re-read refreshes it, up to GATEWAY_STALE_MS, after which the next request
 * looks the token up again itself. A revocation on this instance clears the cache at once;
 * one made on another instance over the same PostgreSQL is seen about GATEWAY_CACHE_MS later.
 */
export const GATEWAY_CACHE_MS = 2_000
export const GATEWAY_STALE_MS = 30_000
const GATEWAY_CACHE_MAX = 10_000

interface CacheEntry {
  record: GatewayTokenRecord | undefined
  fetchedAt: number
  refreshing: boolean
}

export class GatewayTokenCache {
  private readonly entries = new Map<string, CacheEntry>()
  /** Bumped by clear(): a read that started before a revocation must not put the old record back. */
  generation = 0

  /** The cached record (undefined: known not to exist), or null when the caller must look it up. */
  get(hash: string, nowMs: number, reread?: () => Promise<GatewayTokenRecord | undefined>): GatewayTokenRecord | undefined | null {
    const e = this.entries.get(hash)
    if (!e) return null
    const age = nowMs - e.fetchedAt
    if (age < GATEWAY_CACHE_MS) return e.record
    if (age >= GATEWAY_STALE_MS || !reread) {
      this.entries.delete(hash)
      return null
    }
    if (!e.refreshing) {
      e.refreshing = true
      const generation = this.generation
      reread().then(
        (record) => {
          if (generation === this.generation) this.entries.set(hash, { record, fetchedAt: nowMs, refreshing: false })
        },
        () => (e.refreshing = false),
      )
    }
    return e.record
  }

  /** Caches what a read started at `generation` found (dropped if the cache was cleared since). */
  set(hash: string, record: GatewayTokenRecord | undefined, nowMs: number, generation = this.generation): void {
    if (generation !== this.generation) return
    if (this.entries.size >= GATEWAY_CACHE_MAX) this.entries.clear()
    this.entries.set(hash, { record, fetchedAt: nowMs, refreshing: false })
  }

  clear(): void {
    this.generation++
    this.entries.clear()
  }
}

/**
 * Who is calling, for a route that needs `auth`. Unknown, malformed and other servers'
 * tokens are all UNAUTHORIZED; a valid token of the wrong kind (a gateway token on an admin
 * route) is FORBIDDEN; revoked and expired tokens say so.
 */
export async function authenticate(store: ServerStore, auth: RouteAuth, request: FastifyRequest, now: Date, cache?: GatewayTokenCache): Promise<Principal> {
  if (auth === 'none') return { kind: 'none' }
  const token = bearer(request)
  const kind = tokenKind(token)
  if (!kind) throw new KeywardError('UNAUTHORIZED', 'This is not a Keyward token.')
  const hash = tokenHash(token)
  if (kind === 'device') {
    const device = await store.findDeviceByTokenHash(hash)
    if (!device) throw new KeywardError('UNAUTHORIZED', 'This device token is not known to this server.')
    if (device.revokedAt) throw new KeywardError('TOKEN_REVOKED', 'This device was revoked; log in again.')
    if (device.expiresAt <= now.toISOString()) throw new KeywardError('TOKEN_EXPIRED', 'This device token has expired; log in again.')
    if (auth !== 'admin') throw new KeywardError('FORBIDDEN', 'This route is for API gateways; use a gateway token.')
    if (now.getTime() - Date.parse(device.lastSeenAt) >= TOUCH_EVERY_MS) {
      const at = now.toISOString()
      await store.touchDevice(device.id, at)
      device.lastSeenAt = at
    }
    return { kind: 'admin', device }
  }
  let gatewayToken = cache ? cache.get(hash, now.getTime(), () => store.findGatewayTokenByHash(hash)) : null
  if (gatewayToken === null) {
    const generation = cache?.generation
    gatewayToken = await store.findGatewayTokenByHash(hash)
    cache?.set(hash, gatewayToken, now.getTime(), generation)
  }
  if (!gatewayToken) throw new KeywardError('UNAUTHORIZED', 'This gateway token is not known to this server.')
  if (gatewayToken.revokedAt) throw new KeywardError('TOKEN_REVOKED', 'This gateway token was revoked.')
  if (auth !== 'gateway') throw new KeywardError('FORBIDDEN', 'This route needs an admin device token; a gateway token cannot use it.')
  return { kind: 'gateway', gatewayToken }
}
