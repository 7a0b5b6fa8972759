import { readFileSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'pino'
import rateLimit from '@fastify/rate-limit'
import type { z } from 'zod'
import { describeIssues } from '../core/dispatcher'
import { KeywardError } from '../shared/errors'
import { Empty, isPlainSyncPushBody, serverApi, SyncPushBody, type RouteName, type RouteSpec } from '../shared/server-api'
import { RateLimitedError } from './accounts/login'
import { resolveConfig, type ServerConfig, type ServerConfigInput } from './config'
import { authenticate, GatewayTokenCache, type Principal } from './http/auth'
import { installErrorHandling, RequestRateLimitedError } from './http/errors'
import { createHandlers, type RouteContext } from './http/handlers'
import { JsonText } from './http/json-text'
import { verifyFastPath } from './http/verify-fast-path'
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

/**
 * Inputs with a hand-written guard that says yes only where the schema accepts the value as it
 * is: a sync push of 1 000 ops costs about a third as much to check that way. Where a guard
 * says no, the schema decides and words the error.
 */
const PLAIN_INPUTS = new Map<z.ZodType, (value: unknown) => boolean>([[SyncPushBody, isPlainSyncPushBody]])

function parse<T extends z.ZodType>(route: string, type: T, value: unknown): z.output<T> {
  if (PLAIN_INPUTS.get(type)?.(value)) return value as z.output<T>
  const result = type.safeParse(value)
  if (!result.success) throw new KeywardError('INVALID_INPUT', describeIssues(route, result.error))
  return result.data
}

const EMPTY = Object.freeze({})
/** Params or query of a route that takes none: `{}` without a schema run when nothing was sent. */
function none(route: string, value: unknown): object {
  if (value) for (const _ in value as object) return parse(route, Empty, value)
  return EMPTY
}

/**
 * Routes whose answers are built by the server from input it already validated, on the paths
 * that carry the load (a gateway's verifications, a sync's thousands of ops and changes): the
 * handler's types fix their shape, so they skip the run-time check of every answer against the
 * response schema that the other routes get. test/unit/sync checks their answers against it.
 */
const TRUSTED_ANSWERS: ReadonlySet<RouteName> = new Set<RouteName>(['keys.verify', 'sync.push', 'sync.pull'])

/**
 * Gateway traffic: thousands of requests a second, so Fastify's per-request "incoming
 * request" / "request completed" lines (info) are not written for them; their warnings and
 * errors still are.
 */
const QUIET_ROUTES: ReadonlySet<RouteName> = new Set<RouteName>(['keys.verify', 'tokens.introspect', 'collections.jwks'])
const QUIET_LEVEL = 'warn'

/** What a route's work reads of a request (the fast path has no params, query or address). */
interface RouteInput {
  authorization: string | undefined
  params?: unknown
  query?: unknown
  body: unknown
  ip?: string
}

/** JSON envelopes of frozen answers, which never change: written once, sent as they are. */
const frozenEnvelopes = new WeakMap<object, string>()
const isFrozenAnswer = (answer: unknown): answer is object => typeof answer === 'object' && answer !== null && Object.isFrozen(answer)

/**
 * The `{ ok: true, value }` text of an answer: a JsonText's text goes in as it is; a shared,
 * frozen answer's (a key's VALID answer) is serialized once.
 */
function envelope(answer: unknown): string {
  if (answer instanceof JsonText) return `{"ok":true,"value":${answer.text}}`
  if (!isFrozenAnswer(answer)) return JSON.stringify({ ok: true, value: answer })
  let text = frozenEnvelopes.get(answer)
  if (text === undefined) {
    text = JSON.stringify({ ok: true, value: answer })
    frozenEnvelopes.set(answer, text)
  }
  return text
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
  // Quiet routes log at QUIET_LEVEL through one shared child: a per-request child with its own
  // level makes pino rebuild every log method, which cost a gateway request more than its work.
  const quietLogger = logger.child({}, { level: logger.levels.values[logger.level]! > logger.levels.values[QUIET_LEVEL]! ? logger.level : QUIET_LEVEL })
  const options = {
    loggerInstance: logger,
    childLoggerFactory: (parent: FastifyBaseLogger, bindings: Bindings, childOptions: ChildLoggerOptions) =>
      childOptions.level === QUIET_LEVEL ? quietLogger : parent.child(bindings, childOptions),
    bodyLimit: config.bodyLimit,
    trustProxy,
    return503OnClosing: true,
  }
  // Node's request listener: the keys.verify fast path first (`front`, set up below with the
  // routes; nothing listens before), then Fastify. The server is made as Fastify makes it
  // (same timeouts), TLS or not.
  const tls = config.tls ? { cert: config.tls.cert, key: config.tls.key } : undefined
  const serverFactory = (handler: RequestListener, opts: FastifyServerOptions) => {
    const listener: RequestListener = (req, res) => {
      if (!front(req, res)) handler(req, res)
    }
    const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener)
    server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000
    server.requestTimeout = opts.requestTimeout ?? 0
    server.setTimeout(opts.connectionTimeout ?? 0)
    return server
  }
  // `https` is still given: Fastify reads it for the scheme of the URLs it reports
  const app = Fastify({ ...options, serverFactory, ...(tls ? { https: tls } : {}) } as FastifyServerOptions) as unknown as FastifyInstance

  installErrorHandling(app, logger, config.bodyLimit)
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('Cache-Control')) reply.header('Cache-Control', 'no-store')
    reply.header('X-Content-Type-Options', 'nosniff')
    done(null, payload)
  })
  // The request-rate limit of the login route; the per-user and per-address lockouts live in the store.
  await app.register(rateLimit, { global: false })

  let sync: SyncEngine
  try {
    sync = await new SyncEngine(store.driver, config.now, logger, { usageFlushMs: config.usageFlushMs, fold: config.syncFold }).load(config.syncTailMs)
  } catch (error) {
    await store.close()
    throw error
  }
  const gatewayCache = new GatewayTokenCache()
  const handlers = createHandlers({ store, sync, gatewayCache, serverKey, limits: config.loginLimits, deviceTokenTtlDays: config.deviceTokenTtlDays, now: config.now, logger, version })
  /**
   * A route's own work, on whichever path the request came: who is calling (first: an
   * anonymous caller learns nothing from validation messages), the scope, the input
   * schemas, the handler, and the answer's schema unless the route is trusted. It answers
   * without a promise when every step can (a cached gateway token, a synchronous handler).
   */
  const routeWork = (name: RouteName) => {
    const spec: RouteSpec = serverApi[name]
    const handler = handlers[name] as (ctx: RouteContext<RouteSpec>) => unknown
    const trusted = TRUSTED_ANSWERS.has(name)
    const checked = (value: unknown): unknown => {
      const result = spec.response.safeParse(value)
      if (!result.success) {
        logger.error({ route: name, issues: result.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'handler answered outside its schema')
        throw new Error(`${name} answered outside its schema`)
      }
      return result.data
    }
    const authorised = (principal: Principal, input: RouteInput): unknown => {
      if (spec.scope && principal.kind === 'gateway' && !principal.gatewayToken.scopes.includes(spec.scope)) {
        throw new KeywardError('FORBIDDEN', `This gateway token lacks the ${spec.scope} scope.`)
      }
      const ctx = {
        params: spec.params ? parse(name, spec.params, input.params ?? {}) : none(name, input.params),
        query: spec.query ? parse(name, spec.query, input.query ?? {}) : none(name, input.query),
        body: spec.method === 'POST' ? parse(name, spec.body ?? Empty, input.body ?? {}) : undefined,
        principal,
        ...(input.ip === undefined ? {} : { ip: input.ip }),
      } as RouteContext<RouteSpec>
      const value = handler(ctx)
      if (trusted) return value
      return value instanceof Promise ? value.then(checked) : checked(value)
    }
    return (input: RouteInput): unknown => {
      const principal = authenticate(store, spec.auth, input.authorization, config.now(), gatewayCache)
      return principal instanceof Promise ? principal.then((p) => authorised(p, input)) : authorised(principal, input)
    }
  }

  for (const name of Object.keys(serverApi) as RouteName[]) {
    const spec: RouteSpec = serverApi[name]
    const work = routeWork(name)
    const perMinute = name === 'auth.login' ? config.loginLimits.requestsPerMinute : name === 'collections.jwks' ? config.jwksRequestsPerMinute : undefined
    const Limited = name === 'auth.login' ? RateLimitedError : RequestRateLimitedError
    // The JWKS is public key material that relying parties cache (RFC 7517, OIDC jwks_uri).
    const cacheControl = name === 'collections.jwks' ? 'public, max-age=60' : undefined
    app.route({
      method: spec.method,
      url: spec.path,
      ...(QUIET_ROUTES.has(name) ? { logLevel: QUIET_LEVEL } : {}),
      config:
        perMinute === undefined
          ? {}
          : {
              rateLimit: {
                max: perMinute,
                timeWindow: 60_000,
                keyGenerator: (request) => request.ip,
                errorResponseBuilder: (_request, context) => new Limited(Math.max(1, Math.ceil(context.ttl / 1000))),
              },
            },
      handler: async (request, reply) => {
        const answer = await work({ authorization: request.headers.authorization, params: request.params, query: request.query, body: request.body, ip: request.ip })
        reply.code(spec.status ?? 200)
        if (cacheControl) reply.header('Cache-Control', cacheControl)
        if (spec.raw) return answer
        if (isFrozenAnswer(answer) || answer instanceof JsonText) {
          reply.type('application/json; charset=utf-8')
          return envelope(answer)
        }
        return { ok: true, value: answer }
      },
    })
  }

  const verifyWork = routeWork('keys.verify')
  // While closing, Fastify answers 503 (return503OnClosing): the fast path steps aside.
  let closing = false
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
  const fast = verifyFastPath({
    path: serverApi['keys.verify'].path,
    parseJson: app.getDefaultJsonParser('error', 'error'),
    answer: (authorization, body) => verifyWork({ authorization, body }),
    envelope,
    bodyLimit: config.bodyLimit,
    logger,
  })
  const front = (req: IncomingMessage, res: ServerResponse) => !closing && fast(req, res)

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
