import type { z } from 'zod'
import { v7 as uuidv7 } from 'uuid'
import { KeywardError } from '../../shared/errors'
import type { RouteSpec, ServerApi } from '../../shared/server-api'
import { login, type LoginDeps } from '../accounts/login'
import { issueToken } from '../accounts/tokens'
import type { DeviceRecord, ServerStore } from '../store/server-store'
import type { GatewayTokenCache, Principal } from './auth'
import type { SyncEngine } from '../sync/engine'
import { introspect } from '../sync/introspect'
import { Organisation } from '../../shared/sync'
import { buildOpenApi } from './openapi'
import type { JsonText } from './json-text'

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined
type PrincipalOf<A> = A extends 'admin' ? Extract<Principal, { kind: 'admin' }> : A extends 'gateway' ? Extract<Principal, { kind: 'gateway' }> : Principal

export interface RouteContext<S extends RouteSpec> {
  params: Parsed<S['params']>
  query: Parsed<S['query']>
  body: Parsed<S['body']>
  principal: PrincipalOf<S['auth']>
  /** The client address (the proxy's forwarded address with --trust-proxy). */
  ip: string
}

/**
 * Routes answered without the caller's address: keys.verify also runs on the fast path in
 * front of Fastify (verify-fast-path.ts), which does not work out proxy-forwarded addresses (a
 * gateway sends its client's address in the body).
 */
type WithoutIp = 'keys.verify'

export type RouteHandlers = {
  [K in keyof ServerApi]: (ctx: K extends WithoutIp ? Omit<RouteContext<ServerApi[K]>, 'ip'> : RouteContext<ServerApi[K]>) => Answer<z.input<ServerApi[K]['response']>>
}

/** A route's answer: the value, or its JSON text (JsonText), now or later. */
type Answer<T> = T | JsonText<T> | Promise<T | JsonText<T>>

export interface HandlerDeps extends LoginDeps {
  store: ServerStore
  sync: SyncEngine
  gatewayCache: GatewayTokenCache
  version: string
}

/** server_meta key of the organisation's sync key salt and verifier. */
const ORGANISATION_META = 'organisation'

const deviceView = (device: DeviceRecord, currentId?: string) => ({ ...device, current: device.id === currentId })

/** The route implementations; the table in shared/server-api.ts says how each is reached. */
export function createHandlers(d: HandlerDeps): RouteHandlers {
  const openapi = buildOpenApi(d.version)
  const actorOf = (p: { device: DeviceRecord }) => p.device.adminUsername
  return {
    'health.live': async () => ({ status: 'up' as const }),
    'health.ready': async () => {
      const r = await d.store.readiness()
      if (!r.ready) throw new KeywardError('NOT_READY', `Not ready: ${r.reason}.`)
      return { status: 'ready' as const, database: d.store.dialect, migrations: r.migrations }
    },
    'meta.openapi': async () => openapi,

    'auth.login': async ({ body, ip }) => {
      const { device, token } = await login(d, { ...body, ip })
      return { device: deviceView(device, device.id), token }
    },
    'auth.logout': async ({ principal }) => {
      const { device } = principal
      const revoked = await d.store.revokeDevice(device.id, d.now().toISOString(), { actor: actorOf(principal), action: 'devices.logout', entity: 'device', entityId: device.id, details: { deviceName: device.name } })
      return deviceView(revoked, device.id)
    },

    'devices.list': async ({ principal }) => ({ devices: (await d.store.listDevices()).map((x) => deviceView(x, principal.device.id)) }),
    'devices.revoke': async ({ params, principal }) => {
      const revoked = await d.store.revokeDevice(params.id, d.now().toISOString(), {
        actor: actorOf(principal),
        action: 'devices.revoke',
        entity: 'device',
        entityId: params.id,
        details: { byDevice: principal.device.id },
      })
      return deviceView(revoked, principal.device.id)
    },

    'gatewayTokens.list': async () => ({ gatewayTokens: await d.store.listGatewayTokens() }),
    'gatewayTokens.create': async ({ body, principal }) => {
      const { token, tokenHash } = issueToken('gateway')
      const id = uuidv7()
      const gatewayToken = await d.store.createGatewayToken(
        { id, name: body.name, scopes: body.scopes, tokenHash, createdBy: principal.device.adminId, createdAt: d.now().toISOString() },
        { actor: actorOf(principal), action: 'gatewayTokens.create', entity: 'gateway_token', entityId: id, details: { name: body.name, scopes: body.scopes, byDevice: principal.device.id } },
      )
      return { gatewayToken, token }
    },
    'gatewayTokens.revoke': async ({ params, principal }) => {
      const revoked = await d.store.revokeGatewayToken(params.id, d.now().toISOString(), {
        actor: actorOf(principal),
        action: 'gatewayTokens.revoke',
        entity: 'gateway_token',
        entityId: params.id,
        details: { byDevice: principal.device.id },
      })
      // after the commit: a lookup that read the token before it is not cached either
      d.gatewayCache.clear()
      return revoked
    },
    'gateway.self': async ({ principal }) => principal.gatewayToken,

    'audit.list': async ({ query }) => {
      const entries = await d.store.listAudit(query.after, query.limit)
      return { entries, next: entries.length === query.limit ? entries[entries.length - 1]!.seq : null }
    },
    'audit.verify': async () => d.store.verifyAudit(),

    // synchronous: a gateway's verification is answered without a promise (verify-fast-path.ts)
    'keys.verify': ({ body }) => d.sync.index.verify(body.key, body.ip, body.method),
    'tokens.introspect': async ({ body }) => introspect(d.sync, body.token, d.now(), body.audience),
    'collections.jwks': async ({ params }) => {
      if (!d.sync.knowsCollection(params.id)) throw new KeywardError('COLLECTION_UNKNOWN', 'No collection with this id has been synced to this server.')
      return d.sync.jwks(params.id)
    },
    'organisation.get': async () => {
      const stored = await d.store.getMeta(ORGANISATION_META)
      if (!stored) throw new KeywardError('ORGANISATION_NOT_SET', 'No desktop has set the organisation passphrase on this server yet.')
      return Organisation.parse(JSON.parse(stored))
    },
    'organisation.set': async ({ body, principal }) => {
      const wanted = JSON.stringify(body)
      const stored = await d.store.initMeta(ORGANISATION_META, wanted)
      // only the first desktop sets it; later ones get the stored salt and derive from it
      if (stored === wanted) await d.store.appendAudit({ actor: actorOf(principal), action: 'organisation.set', entity: 'organisation', entityId: null, details: { byDevice: principal.device.id } })
      return Organisation.parse(JSON.parse(stored))
    },
    'sync.push': async ({ body, principal }) => {
      const result = await d.sync.push(principal.device.id, body.ops)
      if (body.answer !== 'exceptions') return result
      const outcomes = result.outcomes.filter((o) => o.status !== 'applied')
      return { outcomes, applied: result.outcomes.length - outcomes.length, cursor: result.cursor }
    },
    'sync.pull': async ({ query }) => d.sync.pull(query.cursor, query.limit, query.collectionId),
    'sync.conflicts': async ({ query }) => ({ conflicts: await d.sync.conflicts({ collectionId: query.collectionId, includeResolved: query.includeResolved === 'true' }) }),
    'sync.resolveConflict': async ({ params, body, principal }) => {
      const conflict = await d.sync.resolveConflict(params.id, body.resolution, actorOf(principal))
      await d.store.appendAudit({ actor: actorOf(principal), action: 'sync.resolveConflict', entity: 'conflict', entityId: params.id, details: { resolution: body.resolution, kind: conflict.kind } })
      return conflict
    },
  }
}
