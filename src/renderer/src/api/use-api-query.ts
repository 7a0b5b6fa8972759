import { useCallback, useEffect, useState } from 'react'
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/contract'
import { api, type ApiError, toApiError } from './client'
import { useBusy, useRefresh } from './refresh'

export interface ApiQuery<T> {
  /** The answer for the current input; undefined until it arrives (never another input's answer). */
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  /** Stamp of the request that produced `data` (see `nextStamp`); 0 without data. */
  stamp: number
  reload(): void
}

let stamps = 0
/** A number larger than every request started so far: answers stamped above it are newer. */
export const nextStamp = (): number => ++stamps

interface Settled<T> {
  /** The input the answer is for, and the exact request (input + refresh + reload) it settled. */
  key: string
  request: string
  data?: T
  stamp?: number
  error?: ApiError
}

/**
 * Reads one method's answer and keeps it fresh: it reloads when its input changes, when the
 * red refresh button is pressed, and when the core announces a change in one of `domains`.
 * `input: null` means "not yet" (e.g. no region chosen): no call, no data.
 */
export function useApiQuery<M extends MethodName>(method: M, input: MethodInput<M> | null, domains: readonly string[] = []): ApiQuery<MethodOutput<M>> {
  const { generation } = useRefresh()
  const { track } = useBusy()
  const key = input === null ? null : JSON.stringify(input)
  const [nonce, setNonce] = useState(0)
  const [settled, setSettled] = useState<Settled<MethodOutput<M>> | null>(null)
  const request = key === null ? null : `${method}|${key}|${generation}|${nonce}`
  const domainKey = domains.join(',')

  useEffect(() => {
    if (key === null || request === null) return
    let current = true
    const stamp = nextStamp()
    track(1)
    api
      .call(method, JSON.parse(key) as MethodInput<M>)
      .then(
        (data) => current && setSettled({ key, request, data, stamp }),
        // A failed reload keeps the last good answer for the same input on screen.
        (error: unknown) => current && setSettled((s) => ({ ...(s?.key === key ? s : {}), key, request, error: toApiError(error) })),
      )
      .finally(() => track(-1))
    return () => {
      current = false
    }
  }, [method, key, request, track])

  useEffect(() => {
    if (!domainKey) return
    const wanted = new Set(domainKey.split(','))
    return api.on('data.changed', ({ domain }) => {
      if (wanted.has(domain)) setNonce((n) => n + 1)
    })
  }, [domainKey])

  const reload = useCallback(() => setNonce((n) => n + 1), [])
  // Same input, newer request (refresh): keep showing the previous answer while it loads.
  const forKey = key !== null && settled?.key === key ? settled : undefined
  return {
    data: forKey?.data,
    error: forKey?.request === request ? forKey.error : undefined,
    loading: request !== null && settled?.request !== request,
    stamp: forKey?.data !== undefined ? (forKey.stamp ?? 0) : 0,
    reload,
  }
}
