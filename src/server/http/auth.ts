import { KeywardError } from '../../shared/errors'
import type { RouteAuth } from '../../shared/server-api'
import { tokenHash, tokenKind } from '../accounts/tokens'
import type { DeviceRecord, GatewayTokenRecord, ServerStore } from '../store/server-store'

export type Principal = { kind: 'none' } | { kind: 'admin'; device: DeviceRecord } | { kind: 'gateway'; gatewayToken: GatewayTokenRecord }

const NONE: Principal = Object.freeze({ kind: 'none' })

/** last_seen_at is written at most this often per device, not on every request. */
const TOUCH_EVERY_MS = 60_000

function bearer(header: string | undefined): string {
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
 * Who is calling, for a route that needs `auth` (`authorization`: the request's header).
 * Unknown, malformed and other servers' tokens are all UNAUTHORIZED; a valid token of the
 * wrong kind (a gateway token on an admin route) is FORBIDDEN; revoked and expired tokens say
 * so. Throws at once for a malformed header; answers without a promise when a gateway token
 * is cached.
 */
export function authenticate(store: ServerStore, auth: RouteAuth, authorization: string | undefined, now: Date, cache?: GatewayTokenCache): Principal | Promise<Principal> {
  if (auth === 'none') return NONE
  const token = bearer(authorization)
  const kind = tokenKind(token)
  if (!kind) throw new KeywardError('UNAUTHORIZED', 'This is not a Keyward token.')
  const hash = tokenHash(token)
  if (kind === 'device') return deviceOf(store, auth, hash, now)
  // A cached gateway token answers at once, with no promise in between (the verification path).
  const cached = cache ? cache.get(hash, now.getTime(), () => store.findGatewayTokenByHash(hash)) : null
  if (cached !== null) return gatewayOf(auth, cached)
  const generation = cache?.generation
  return store.findGatewayTokenByHash(hash).then((record) => {
    cache?.set(hash, record, now.getTime(), generation)
    return gatewayOf(auth, record)
  })
}

async function deviceOf(store: ServerStore, auth: RouteAuth, hash: string, now: Date): Promise<Principal> {
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

function gatewayOf(auth: RouteAuth, gatewayToken: GatewayTokenRecord | undefined): Principal {
  if (!gatewayToken) throw new KeywardError('UNAUTHORIZED', 'This gateway token is not known to this server.')
  if (gatewayToken.revokedAt) throw new KeywardError('TOKEN_REVOKED', 'This gateway token was revoked.')
  if (auth !== 'gateway') throw new KeywardError('FORBIDDEN', 'This route needs an admin device token; a gateway token cannot use it.')
  return { kind: 'gateway', gatewayToken }
}
