import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import fastifyStatic from '@fastify/static'
import { eventNames } from '../../shared/contract'
import type { ErrorCode } from '../../shared/errors'
import type { Keyward } from '../app'
import { silentLogger, type Logger } from '../logger'

/** Same policy as the Electron window: only our own scripts, no remote content. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

export const MAX_BODY_BYTES = 1024 * 1024

export interface HttpBridgeOptions {
  core: Keyward
  /** Loopback only; anything else is refused. */
  host?: string
  port?: number
  /** The built renderer (out/renderer); omitted → API only. */
  rendererDir?: string
  token?: string
  logger?: Logger
  bodyLimit?: number
  actor?: string
}

export interface HttpBridge {
  url: string
  token: string
  /** The URL to open in a browser: the token travels in the fragment, never to the server log. */
  openUrl: string
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost'])

function errorBody(code: ErrorCode, message: string) {
  return { ok: false as const, error: { code, message } }
}

/**
 * The local HTTP bridge: the same dispatcher as Electron IPC, for a browser on this machine
 * (`keyward serve --ui` on a headless box, and the end-to-end tests).
 */
export async function startHttpBridge(options: HttpBridgeOptions): Promise<HttpBridge> {
  const host = options.host ?? '127.0.0.1'
  if (!LOOPBACK.has(host)) throw new Error(`The UI bridge only listens on loopback (127.0.0.1, ::1); "${host}" is not allowed.`)
  const token = options.token ?? randomBytes(32).toString('base64url')
  const expected = Buffer.from(`Bearer ${token}`)
  const logger = options.logger ?? silentLogger
  const actor = options.actor ?? 'local-admin'

  // forceCloseConnections: the SSE streams never go idle, and close() must not wait for them.
  const app: FastifyInstance = Fastify({ bodyLimit: options.bodyLimit ?? MAX_BODY_BYTES, logger: false, forceCloseConnections: true })
  let port = 0

  const authorized = (request: FastifyRequest): boolean => {
    const header = Buffer.from(String(request.headers.authorization ?? ''))
    return header.length === expected.length && timingSafeEqual(header, expected)
  }

  // DNS-rebinding guard: a page on another origin that resolves to 127.0.0.1 still sends its own Host.
  const hostAllowed = (request: FastifyRequest): boolean => {
    const hostHeader = String(request.headers.host ?? '')
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(hostHeader)
  }

  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request)) return reply.code(421).send(errorBody('UNAUTHORIZED', 'This bridge only answers requests addressed to the loopback address it listens on.'))
    const path = request.url.split('?')[0]!
    if ((path.startsWith('/rpc/') || path === '/events') && !authorized(request)) {
      return reply.code(401).send(errorBody('UNAUTHORIZED', 'A valid bearer token is required; open the URL printed by `keyward serve --ui`.'))
    }
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('X-Frame-Options', 'DENY')
    reply.header('Cross-Origin-Opener-Policy', 'same-origin')
    reply.header('Cache-Control', 'no-store')
    return payload
  })

  app.setErrorHandler((error: { statusCode?: number; code?: string }, _request, reply) => {
    if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody('PAYLOAD_TOO_LARGE', `The request body is larger than ${Math.round((options.bodyLimit ?? MAX_BODY_BYTES) / 1024)} KiB.`))
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody('INVALID_INPUT', 'The request body must be a JSON object sent as application/json.'))
    }
    logger.error({ code: error.code }, 'bridge request failed')
    return reply.code(500).send(errorBody('INTERNAL', 'The bridge could not handle this request.'))
  })

  app.post('/rpc/:method', async (request: FastifyRequest<{ Params: { method: string } }>, reply: FastifyReply) => {
    const result = await options.core.dispatch(request.params.method, request.body ?? {}, { actor, transport: 'http' })
    return reply.code(200).send(result)
  })

  app.get('/events', (request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    })
    reply.raw.write(': connected\n\n')
    const unsubscribe = eventNames.map((name) => options.core.on(name, (payload) => reply.raw.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)))
    const ping = setInterval(() => reply.raw.write(': ping\n\n'), 15_000)
    ping.unref()
    request.raw.on('close', () => {
      clearInterval(ping)
      unsubscribe.forEach((off) => off())
    })
  })

  app.get('/healthz', async () => ({ ok: true }))

  if (options.rendererDir) {
    if (!existsSync(options.rendererDir)) throw new Error(`The built UI is missing at ${options.rendererDir}; run \`npm run build:web\` first.`)
    await app.register(fastifyStatic, { root: options.rendererDir, index: 'index.html', wildcard: false })
  }

  const address = await app.listen({ host, port: options.port ?? 0 })
  port = Number(new URL(address).port)
  const url = `http://${host === '::1' ? '[::1]' : host}:${port}/`
  logger.info({ url }, 'UI bridge listening')
  return {
    url,
    token,
    openUrl: `${url}#token=${token}`,
    close: async () => {
      await app.close()
    },
  }
}
