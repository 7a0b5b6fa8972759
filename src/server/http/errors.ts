import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import { isKeywardError, KeywardError, type ErrorCode } from '../../shared/errors'
import type { Logger } from '../../core/logger'
import { RateLimitedError } from '../accounts/login'

/** HTTP status of each coded error the server answers with; anything unlisted is a 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  WEAK_PASSWORD: 400,
  UNAUTHORIZED: 401,
  LOGIN_FAILED: 401,
  TOTP_REQUIRED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  GATEWAY_TOKEN_NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LOGIN_RATE_LIMITED: 429,
  REQUEST_RATE_LIMITED: 429,
  NOT_READY: 503,
  OP_ID_REUSED: 422,
  SECRET_IN_CLEAR: 422,
  CONFLICT_NOT_FOUND: 404,
  ORGANISATION_NOT_SET: 404,
  COLLECTION_UNKNOWN: 404,
}

/** Too many requests from one address to a public route (429 with Retry-After). */
export class RequestRateLimitedError extends KeywardError {
  constructor(readonly retryAfterSeconds: number) {
    super('REQUEST_RATE_LIMITED', `Too many requests from this address; try again in ${retryAfterSeconds} s.`)
  }
}

export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500

export function errorBody(code: ErrorCode, message: string) {
  return { ok: false as const, error: { code, message } }
}

export interface ErrorReply {
  status: number
  headers: Record<string, string>
  body: ReturnType<typeof errorBody>
}

/**
 * Every failure leaves as `{ ok: false, error: { code, message } }`: our coded errors with
 * their status, Fastify's own 4xx (bad JSON, size, media type) mapped to codes, and
 * anything unexpected as INTERNAL with a reference that is also in the log. Shared by
 * Fastify's error handler and the verification fast path (verify-fast-path.ts).
 */
export function errorReply(error: FastifyError | Error, route: string | undefined, logger: Logger, bodyLimit: number): ErrorReply {
  const headers: Record<string, string> = {}
  if (error instanceof RateLimitedError || error instanceof RequestRateLimitedError) headers['retry-after'] = String(error.retryAfterSeconds)
  if (isKeywardError(error)) {
    if (error.code === 'UNAUTHORIZED' || error.code === 'TOKEN_EXPIRED' || error.code === 'TOKEN_REVOKED') headers['www-authenticate'] = 'Bearer'
    return { status: statusOf(error.code), headers, body: errorBody(error.code, error.message) }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    return { status: 413, headers, body: errorBody('PAYLOAD_TOO_LARGE', `The request body is larger than ${Math.round(bodyLimit / 1024)} KiB.`) }
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastifyError.statusCode === 415) {
    return { status: 415, headers, body: errorBody('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.') }
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: 400, headers, body: errorBody('INVALID_INPUT', 'The request body is not valid JSON (or is empty while declared as JSON).') }
  }
  const reference = randomUUID()
  // The first line of the message only: never a stack, never request data.
  logger.error({ reference, route, error: `${error.name}: ${error.message.split('\n')[0]}` }, 'request failed')
  return { status: 500, headers, body: errorBody('INTERNAL', `The server could not handle this request (reference ${reference}). Nothing was changed.`) }
}

export function installErrorHandling(app: FastifyInstance, logger: Logger, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    const { status, headers, body } = errorReply(error, request.routeOptions.url, logger, bodyLimit)
    return reply.code(status).headers(headers).send(body)
  })
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('NOT_FOUND', `There is no ${request.method} ${request.url.split('?')[0]!.slice(0, 200)} on this server.`)))
}
