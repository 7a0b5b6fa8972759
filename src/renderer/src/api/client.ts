import type { KeywardBridge } from '../../../shared/bridge'
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '../../../shared/contract'
import type { ErrorCode, ErrorPayload } from '../../../shared/errors'
import type { Result } from '../../../shared/result'

/**
 * The renderer's one door to the core. Inside Electron the preload exposes `window.keyward`
 * (IPC); in a browser the page talks to `keyward serve --ui` over HTTP with the bearer token
 * it was opened with. Nothing else in the renderer knows which of the two it is on.
 */

declare global {
  interface Window {
    keyward?: KeywardBridge
  }
}

export class ApiError extends Error {
  readonly code: ErrorCode
  constructor(error: ErrorPayload) {
    super(error.message)
    this.name = 'ApiError'
    this.code = error.code
  }
}

type Listener = (payload: never) => void

export type Transport =
  | { kind: 'ipc'; bridge: KeywardBridge }
  | { kind: 'http'; bridge: KeywardBridge }
  /** A browser page opened without the token `keyward serve --ui` prints. */
  | { kind: 'missing-token' }

const TOKEN_KEY = 'keyward.token'

function fail(code: ErrorCode, message: string): { ok: false; error: ErrorPayload } {
  return { ok: false, error: { code, message } }
}

/** Takes `#token=…` out of the address bar (and history) and keeps it for this tab only. */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash)
  if (match?.[1]) {
    const token = decodeURIComponent(match[1])
    window.sessionStorage.setItem(TOKEN_KEY, token)
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search)
    return token
  }
  return window.sessionStorage.getItem(TOKEN_KEY)
}

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null || !('ok' in value)) return false
  const v = value as { ok: unknown; error?: { code?: unknown; message?: unknown } }
  if (v.ok === true) return 'value' in value
  return v.ok === false && typeof v.error?.code === 'string' && typeof v.error.message === 'string'
}

/** Splits a Server-Sent-Events byte stream into (event, data) pairs. */
async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (name: string, data: string) => void): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let heldCr = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    // A CR at the end of a chunk may be half of a CRLF: normalise it with the next chunk.
    let text = heldCr + decoder.decode(value, { stream: true })
    heldCr = text.endsWith('\r') ? '\r' : ''
    if (heldCr) text = text.slice(0, -1)
    buffer += text.replace(/\r\n?/g, '\n')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let name = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'event') name = text
        else if (field === 'data') data.push(text)
      }
      if (data.length) onEvent(name, data.join('\n'))
    }
  }
}

function httpBridge(token: string): KeywardBridge {
  const auth = { Authorization: `Bearer ${token}` }
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  let stream: AbortController | undefined

  const connect = () => {
    const controller = new AbortController()
    stream = controller
    let delay = 500
    const loop = async () => {
      while (!controller.signal.aborted) {
        try {
          const response = await fetch('events', { headers: { ...auth, Accept: 'text/event-stream' }, signal: controller.signal, cache: 'no-store' })
          // A wrong token will not become right by retrying.
          if (response.status === 401) return
          if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`)
          delay = 500
          await readEventStream(response.body, (name, data) => {
            let payload: unknown
            try {
              payload = JSON.parse(data)
            } catch {
              return
            }
            for (const listener of listeners.get(name) ?? []) listener(payload)
          })
        } catch {
          if (controller.signal.aborted) return
        }
        // The stream ended or failed: the service restarted or the machine slept. Retry gently.
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 10_000)
      }
    }
    void loop()
  }

  return {
    async invoke(method, input) {
      let response: Response
      try {
        response = await fetch(`rpc/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          cache: 'no-store',
        })
      } catch {
        return fail('INTERNAL', 'Keyward’s local service is not answering. Check that `keyward serve --ui` is still running, then try again.')
      }
      if (response.status === 401) {
        return fail('UNAUTHORIZED', 'This page’s access token is not accepted. Open the link `keyward serve --ui` printed when it started.')
      }
      if (response.status === 413) return fail('PAYLOAD_TOO_LARGE', 'The request is larger than Keyward accepts (1 MiB).')
      let body: unknown
      try {
        body = await response.json()
      } catch {
        body = undefined
      }
      if (!isResult(body)) return fail('INTERNAL', `Keyward’s local service gave an unreadable answer to ${method} (HTTP ${response.status}).`)
      return body as never
    },
    on(event, listener) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (payload: unknown) => void)
      if (!stream) connect()
      return () => {
        set.delete(listener as (payload: unknown) => void)
        const anyLeft = [...listeners.values()].some((s) => s.size > 0)
        if (!anyLeft && stream) {
          stream.abort()
          stream = undefined
        }
      }
    },
  }
}

function pickTransport(): Transport {
  if (window.keyward) return { kind: 'ipc', bridge: window.keyward }
  const token = takeToken()
  return token ? { kind: 'http', bridge: httpBridge(token) } : { kind: 'missing-token' }
}

export interface ApiClient {
  readonly transport: Transport['kind']
  /** The Result as the core returned it; never throws. */
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>
  /** The value, or an ApiError carrying the coded error. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

export function createApiClient(transport: Transport = pickTransport()): ApiClient {
  const local = new Map<EventName, Set<Listener>>()
  const upstream = new Map<EventName, () => void>()

  const emit = <E extends EventName>(event: E, payload: EventPayload<E>) => {
    for (const listener of local.get(event) ?? []) (listener as (p: EventPayload<E>) => void)(payload)
  }

  const invoke = async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> => {
    if (transport.kind === 'missing-token') {
      return fail('UNAUTHORIZED', 'This page was opened without its access token. Open the link `keyward serve --ui` printed when it started.')
    }
    const result = await transport.bridge.invoke(method, input)
    // A call refused because the vault closed means a missed (or not yet delivered) vault
    // event: ask for the state once so every screen follows.
    if (!result.ok && result.error.code === 'VAULT_LOCKED' && method !== 'vault.status') {
      void transport.bridge.invoke('vault.status', {}).then((status) => {
        if (status.ok) emit('vault.changed', status.value)
      })
    }
    return result
  }

  return {
    transport: transport.kind,
    invoke,
    async call(method, input) {
      const result = await invoke(method, input)
      if (!result.ok) throw new ApiError(result.error)
      return result.value
    },
    on(event, listener) {
      let set = local.get(event)
      if (!set) local.set(event, (set = new Set()))
      set.add(listener as Listener)
      if (!upstream.has(event) && transport.kind !== 'missing-token') {
        upstream.set(
          event,
          transport.bridge.on(event, (payload) => emit(event, payload)),
        )
      }
      return () => {
        set.delete(listener as Listener)
        if (set.size === 0) {
          upstream.get(event)?.()
          upstream.delete(event)
        }
      }
    },
  }
}

export const api = createApiClient()

/** Any thrown value as a coded error, for notifications and inline messages. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  // A refused Result's `error` ({ code, message }) as the core sent it.
  if (typeof error === 'object' && error !== null && !(error instanceof Error)) {
    const { code, message } = error as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && typeof message === 'string') return new ApiError({ code: code as ErrorCode, message })
  }
  return new ApiError({ code: 'INTERNAL', message: error instanceof Error ? error.message : 'Something went wrong.' })
}
