import type { z } from 'zod'
import { errorCodes, KeywardError, type ErrorCode } from '../../shared/errors'
import { isPlainSyncPullResult, serverApi, type RouteName, type ServerApi } from '../../shared/server-api'

type Out<R extends RouteName> = z.output<ServerApi[R]['response']>
type In<R extends RouteName, K extends 'params' | 'query' | 'body'> = ServerApi[R] extends { [P in K]: infer T extends z.ZodType } ? z.input<T> : never

export interface RemoteRequest<R extends RouteName> {
  params?: In<R, 'params'>
  query?: In<R, 'query'>
  body?: In<R, 'body'>
  token?: string
  signal?: AbortSignal
}

/** Errors the server answers a device with that mean "this device may no longer sync". */
const AUTH_CODES = new Set<string>(['UNAUTHORIZED', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'DEVICE_NOT_FOUND'])
/** Codes of the login route the person can act on, passed through as they are. */
const LOGIN_CODES = new Set<string>(['LOGIN_FAILED', 'TOTP_REQUIRED', 'LOGIN_RATE_LIMITED'])

/**
 * Answers with a hand-written guard that says yes only where the response schema accepts the
 * value as it is (test/unit/sync/op-guard.test.ts): a first sync reads hundreds of pages of
 * changes. Where a guard says no, the schema decides.
 */
const PLAIN_ANSWERS: Partial<Record<RouteName, (value: unknown) => boolean>> = { 'sync.pull': isPlainSyncPullResult }

/**
 * The desktop's HTTP client of the remote instance, typed by the route table the server is
 * built from (shared/server-api.ts). Every failure becomes a coded error whose message says
 * what to do; nothing of a request (tokens, bodies) goes into a message.
 */
export class Remote {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async call<R extends RouteName>(name: R, request: RemoteRequest<R> = {}): Promise<Out<R>> {
    const spec = serverApi[name]
    let path: string = spec.path
    for (const [key, value] of Object.entries((request.params ?? {}) as Record<string, string>)) path = path.replace(`:${key}`, encodeURIComponent(value))
    const url = new URL(path.replace(/^\//, ''), this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`)
    for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) if (value !== undefined) url.searchParams.set(key, String(value))
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(request.signal ? [request.signal] : [])]
    let response: Response
    try {
      response = await fetch(url, {
        method: spec.method,
        headers: {
          ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
          ...(spec.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: spec.method === 'POST' ? JSON.stringify(request.body ?? {}) : undefined,
        signal: AbortSignal.any(signals),
        redirect: 'error',
      })
    } catch (error) {
      const why = error instanceof Error && error.name === 'TimeoutError' ? 'did not answer in time' : 'could not be reached'
      throw new KeywardError('SYNC_UNREACHABLE', `The Keyward server at ${this.origin} ${why}; changes stay queued and go out when it is back.`)
    }
    const text = await response.text().catch(() => '')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
    const envelope = parsed as { ok?: boolean; value?: unknown; error?: { code?: string; message?: string } } | undefined
    if (response.status >= 500 || !envelope || typeof envelope.ok !== 'boolean') {
      if (response.status < 500 && !envelope) throw new KeywardError('SYNC_UNREACHABLE', `${this.origin} did not answer like a Keyward server (HTTP ${response.status}); check the server URL.`)
      throw new KeywardError('SYNC_UNREACHABLE', `The Keyward server at ${this.origin} could not handle the request (HTTP ${response.status}); changes stay queued and sync retries later.`)
    }
    if (!envelope.ok) {
      const code = String(envelope.error?.code ?? '')
      const message = String(envelope.error?.message ?? '').slice(0, 300)
      if (name === 'auth.login' && LOGIN_CODES.has(code)) throw new KeywardError(code as ErrorCode, message)
      if (AUTH_CODES.has(code)) throw new KeywardError('SYNC_AUTH_FAILED', `The server no longer accepts this desktop (${code}): ${message} Disconnect and configure sync again.`)
      if ((errorCodes as readonly string[]).includes(code)) throw new KeywardError(code as ErrorCode, message)
      throw new KeywardError('SYNC_SERVER_REFUSED', `The server refused the request (HTTP ${response.status}).`)
    }
    if (PLAIN_ANSWERS[name]?.(envelope.value)) return envelope.value as Out<R>
    const checked = spec.response.safeParse(envelope.value)
    if (!checked.success) throw new KeywardError('SYNC_SERVER_REFUSED', `The server at ${this.origin} answered ${name} in a form this Keyward does not understand; update Keyward or the server.`)
    return checked.data as Out<R>
  }

  get origin(): string {
    try {
      return new URL(this.baseUrl).origin
    } catch {
      return 'the configured address'
    }
  }
}
