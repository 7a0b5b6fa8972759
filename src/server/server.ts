import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { z } from 'zod'
import { describeIssues } from '../core/dispatcher'
import { KeywardError } from '../shared/errors'
import { Empty, serverApi, type RouteName, type RouteSpec } from '../shared/server-api'
import { RateLimitedError } from './accounts/login'
import { resolveConfig, type ServerConfig, type ServerConfigInput } from './config'
import { authenticate, GatewayTokenCache } from './http/auth'
import { installErrorHandling } from './http/errors'
import { createHandlers, type RouteContext } from './http/handlers'
import { openServerStore } from './store/open-store'
import type { ServerStore } from './store/server-store'
import { SyncEngine } from './sync/engine'

export interface KeywardServer {
  app: FastifyInstance
  store: ServerStore
  /** The sync state and the verification index the gateway API answers from. */
  sync: SyncEngine
  config: ServerConfig
  /** The key sealing the server's own secrets (the CLI bootstrap needs it). */
  serverKey: Buffer
  /** Starts listening on config.host:config.port; resolves with the URL. */
  listen(): Promise<string>
  close(): Promise<void>
}

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function parse<T extends z.ZodType>(route: string, type: T, value: unknown): z.output<T> {
  const result = type.safeParse(value)
  if (!result.success) throw new KeywardError('INVALID_INPUT', describeIssues(route, result.error))
  return result.data
}

/**
 * The remote Keyward instance as a Fastify app: opens (and migrates) the store, registers
 * every route of `serverApi` with its schemas, and hands back an app tests can `inject()`
 * into or `listen()` on.
 */
export async function buildServer(input: ServerConfigInput): Promise<KeywardServer> {
  const config = resolveConfig(input)
  const logger = config.logger
  const { store, serverKey } = await openServerStore({ dataDir: config.dataDir, database: config.database, serverKey: config.serverKey, migrationsDir: config.migrationsDir, logger, now: config.now })

  // A hop count trusts that many proxies in front (Fastify's types only take it as a function).
  const hops = config.trustProxy
  const trustProxy = typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops
  const options = { loggerInstance: logger, bodyLimit: config.bodyLimit, trustProxy, return503OnClosing: true }
  const app = (config.tls ? Fastify({ ...options, https: { cert: config.tls.cert, key: config.tls.key } }) : Fastify(options)) as unknown as FastifyInstance

  installErrorHandling(app, logger, config.bodyLimit)
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Cache-Control', 'no-store')
    reply.header('X-Content-Type-Options', 'nosniff')
    return payload
  })
  // The request-rate limit of the login route; the per-user and per-address lockouts live in the store.
  await app.register(rateLimit, { global: false })

  let sync: SyncEngine
  try {
    sync = await new SyncEngine(store.driver, config.now, logger, { usageFlushMs: config.usageFlushMs }).load(config.syncTailMs)
  } catch (error) {
    await store.close()
    throw error
  }
  const gatewayCache = new GatewayTokenCache()
  const handlers = createHandlers({ store, sync, gatewayCache, serverKey, limits: config.loginLimits, deviceTokenTtlDays: config.deviceTokenTtlDays, now: config.now, logger, version })
  for (const name of Object.keys(serverApi) as RouteName[]) {
    const spec: RouteSpec = serverApi[name]
    const handler = handlers[name] as (ctx: RouteContext<RouteSpec>) => Promise<unknown>
    app.route({
      method: spec.method,
      url: spec.path,
      config:
        name === 'auth.login'
          ? {
              rateLimit: {
                max: config.loginLimits.requestsPerMinute,
                timeWindow: 60_000,
                keyGenerator: (request) => request.ip,
                errorResponseBuilder: (_request, context) => new RateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
              },
            }
          : {},
      handler: async (request, reply) => {
        // Who first: an anonymous caller learns nothing from validation messages.
        const principal = await authenticate(store, spec.auth, request, config.now(), gatewayCache)
        if (spec.scope && principal.kind === 'gateway' && !principal.gatewayToken.scopes.includes(spec.scope)) {
          throw new KeywardError('FORBIDDEN', `This gateway token lacks the ${spec.scope} scope.`)
        }
        const ctx = {
          params: parse(name, spec.params ?? Empty, request.params ?? {}),
          query: parse(name, spec.query ?? Empty, request.query ?? {}),
          body: spec.method === 'POST' ? parse(name, spec.body ?? Empty, request.body ?? {}) : undefined,
          principal,
          ip: request.ip,
        } as RouteContext<RouteSpec>
        const value = await handler(ctx)
        const checked = spec.response.safeParse(value)
        if (!checked.success) {
          logger.error({ route: name, issues: checked.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'handler answered outside its schema')
          throw new Error(`${name} answered outside its schema`)
        }
        reply.code(spec.status ?? 200)
        return spec.raw ? checked.data : { ok: true, value: checked.data }
      },
    })
  }

  return {
    app,
    store,
    sync,
    config,
    serverKey,
    async listen() {
      if (!config.tls && !LOOPBACK.has(config.host) && config.trustProxy === false) {
        logger.warn({ host: config.host }, 'serving plain HTTP on a non-loopback address: use --tls-cert/--tls-key, or a TLS proxy in front with --trust-proxy')
      }
      const url = await app.listen({ host: config.host, port: config.port })
      logger.info({ url, database: store.dialect }, 'keyward server listening')
      return url
    },
    async close() {
      await app.close()
      await sync.close()
      await store.close()
    },
  }
}
