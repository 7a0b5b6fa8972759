import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { contract, isMethodName, type MethodName, type MethodOutput, type ParsedInput } from '../shared/contract'
import { isKeywardError, type ErrorPayload } from '../shared/errors'
import { fail, ok, type Result } from '../shared/result'
import type { Logger } from './logger'

export type Transport = 'ipc' | 'http' | 'inprocess'

export interface CallContext {
  /** Who is calling, for the audit log ("admin" on a desktop, a CLI user, …). */
  actor: string
  transport: Transport
}

export type Handler<M extends MethodName> = (input: ParsedInput<M>, ctx: CallContext) => Promise<MethodOutput<M>> | MethodOutput<M>
export type Handlers = { [M in MethodName]: Handler<M> }

export interface DispatcherHooks {
  logger: Logger
  /** Throws VAULT_LOCKED (or similar) when an 'unlocked' method is called on a closed vault. */
  requireUnlocked(): void
  /** Called after every call that reached a handler (used for the inactivity timer). */
  afterCall?(method: MethodName): void
}

export type Dispatch = (method: string, input: unknown, ctx: CallContext) => Promise<Result<unknown>>

/**
 * The one entry point of every transport: validate in → handler → validate out. It never
 * throws and never puts input values, stack traces or secrets into an error message.
 */
export function createDispatcher(handlers: Handlers, hooks: DispatcherHooks): Dispatch {
  return async (method, input, ctx) => {
    const started = performance.now()
    if (typeof method !== 'string' || !isMethodName(method)) {
      return fail({ code: 'UNKNOWN_METHOD', message: `There is no method named "${String(method).slice(0, 64)}".` })
    }
    const spec = contract[method]
    const parsed = spec.input.safeParse(input ?? {})
    if (!parsed.success) return fail({ code: 'INVALID_INPUT', message: describeIssues(method, parsed.error) })
    let result: Result<unknown>
    try {
      if (spec.access === 'unlocked') hooks.requireUnlocked()
      const value = await (handlers[method] as Handler<MethodName>)(parsed.data as never, ctx)
      const checked = spec.output.safeParse(value)
      if (checked.success) {
        result = ok(checked.data)
      } else {
        const reference = randomUUID()
        hooks.logger.error({ method, reference, issues: checked.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) }, 'handler returned a value outside its contract')
        result = fail({ code: 'INVALID_OUTPUT', message: `Keyward produced an invalid answer for ${method} (reference ${reference}).` })
      }
    } catch (error) {
      result = fail(toPayload(error, method, hooks.logger))
    }
    hooks.afterCall?.(method)
    hooks.logger.debug({ method, transport: ctx.transport, ok: result.ok, code: result.ok ? undefined : result.error.code, ms: Math.round(performance.now() - started) }, 'call')
    return result
  }
}

function toPayload(error: unknown, method: string, logger: Logger): ErrorPayload {
  if (isKeywardError(error)) return error.toPayload()
  const reference = randomUUID()
  // Only the type and first line go to the log; never the input.
  const first = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : typeof error
  logger.error({ method, reference, error: first }, 'handler failed')
  return { code: 'INTERNAL', message: `Something went wrong inside Keyward while running ${method} (reference ${reference}). Nothing was changed.` }
}

export function describeIssues(method: string, error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : 'input'
    return `${path}: ${issue.message}`
  })
  return `Invalid input for ${method}: ${parts.join('; ')}${error.issues.length > 5 ? ` (and ${error.issues.length - 5} more)` : ''}.`
}
