import type { ErrorPayload } from './errors'

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload }

export const ok = <T>(value: T): Result<T> => ({ ok: true, value })
export const fail = (error: ErrorPayload): Result<never> => ({ ok: false, error })
