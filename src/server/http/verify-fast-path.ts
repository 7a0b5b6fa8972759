import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBodyParser } from 'fastify'
import type { Logger } from '../../core/logger'
import { errorReply } from './errors'

/**
 * `POST /v1/keys/verify` straight from Node's request handler, in front of Fastify.
 *
 * A gateway calls this route for every request it lets through, so it is the one route where
 * Fastify's generic pipeline (routing, content-type parser dispatch, hooks, the reply's
 * serializer and onSend chain, promise wrapping) costs more than the work itself. The fast path
 * does the same steps in the same order with the same parts: Fastify's own JSON parser
 * (prototype-poisoning checks included), the route's schema, gateway-token authentication and
 * handler, the shared error mapping, and the headers every answer carries. It takes only the
 * plain case, decided from the headers before the body is read: a POST to exactly this path
 * with an `application/json` body of declared length within the body limit, while the server
 * is not closing. Everything else (chunked or empty bodies, other media types, a query string,
 * oversized bodies, shutdown's 503) goes to Fastify, which answers it as for any route.
 * test/unit/server/verify-fast-path.test.ts sends the same requests both ways and compares
 * the answers.
 */
export interface FastPathDeps {
  /** The route's path (`/v1/keys/verify`), matched exactly. */
  path: string
  /** Fastify's default JSON body parser (`app.getDefaultJsonParser('error', 'error')`). */
  parseJson: FastifyBodyParser<string>
  /** Authenticates, validates and answers a parsed body: the route's own steps, in its order. */
  answer(authorization: string | undefined, body: unknown): Promise<unknown> | unknown
  /** The JSON text of an answer's `{ ok: true, value }` envelope. */
  envelope(value: unknown): string
  bodyLimit: number
  logger: Logger
}

const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8'])

/** Headers of every answer (the server's onSend hook adds the same to Fastify's). */
function send(res: ServerResponse, status: number, text: string, extra?: Record<string, string>): void {
  if (res.destroyed) return
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  }
  if (extra) Object.assign(headers, extra)
  res.writeHead(status, headers)
  res.end(text)
}

/**
 * Returns the request listener's front: true when it took the request (it then answers it),
 * false when Fastify should handle it.
 */
export function verifyFastPath(deps: FastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const fail = (res: ServerResponse, error: Error) => {
    const { status, headers, body } = errorReply(error, deps.path, deps.logger, deps.bodyLimit)
    send(res, status, JSON.stringify(body), headers)
  }
  // Every failure, thrown at once or later, becomes an answer: nothing escapes to the event loop.
  const respond = (res: ServerResponse, body: unknown) => {
    let result: unknown
    try {
      result = deps.answer(res.req.headers.authorization, body)
      if (!(result instanceof Promise)) return send(res, 200, deps.envelope(result))
    } catch (error) {
      return fail(res, error as Error)
    }
    result.then(deps.envelope).then(
      (text) => send(res, 200, text),
      (error: Error) => fail(res, error),
    )
  }

  return (req, res) => {
    if (req.method !== 'POST' || req.url !== deps.path) return false
    const type = req.headers['content-type']
    const declared = req.headers['content-length']
    if (type === undefined || !JSON_TYPES.has(type.toLowerCase()) || declared === undefined || req.headers['transfer-encoding'] !== undefined) return false
    const length = Number(declared)
    if (!(length > 0 && length <= deps.bodyLimit)) return false

    const chunks: Buffer[] = []
    let received = 0
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
    })
    req.on('error', () => undefined)
    req.on('end', () => {
      // Node's parser never passes more than the declared length; less means the client stopped
      if (received !== length) return fail(res, Object.assign(new Error('Request body size did not match Content-Length'), { statusCode: 400 }))
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8')
      deps.parseJson(req as never, text, (error, body) => {
        if (error) fail(res, error)
        else respond(res, body)
      })
    })
    return true
  }
}
