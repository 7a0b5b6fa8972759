import { useCallback, useEffect, useRef, useState } from 'react'
import type { MethodInput } from '../../../shared/contract'
import type { RecordRow, RecordSortField } from '../../../shared/contract/records'
import { api, type ApiError, toApiError } from '../api/client'
import { useBusy, useRefresh } from '../api/refresh'

export const RECORDS_PAGE_SIZE = 200

export interface RecordsQuery {
  regionId: string
  serverId: string
  collectionId: string
  search: string
  sort: { field: RecordSortField; dir: 'asc' | 'desc' }
}

export interface RecordPages {
  /** Rows matching the query, known once the first page arrived. */
  total: number | undefined
  /** The row at a position, or undefined while its page loads. */
  row(index: number): RecordRow | undefined
  /** Ask for the pages that cover these positions (called as the user scrolls). */
  want(from: number, to: number): void
  error: ApiError | undefined
  /** The first page of the current query is still on its way. */
  loading: boolean
}

const CHANGED_BY = new Set(['users', 'keys', 'tokens', 'collections'])

/**
 * The records table reads `records.list` a page at a time, only for what is on screen, so a
 * collection of 100 000 users costs what a screenful costs. A new query (search, sort, scope),
 * the red refresh button or a change announced by the core starts over from page 0.
 */
export function useRecordPages(query: RecordsQuery | null): RecordPages {
  const { generation } = useRefresh()
  const { track } = useBusy()
  const [nonce, setNonce] = useState(0)
  const key = query === null ? null : `${JSON.stringify(query)}|${generation}|${nonce}`
  const pages = useRef(new Map<number, RecordRow[]>())
  const pending = useRef(new Set<number>())
  const keyRef = useRef<string | null>(null)
  const [state, setState] = useState<{ key: string | null; total?: number; error?: ApiError; version: number }>({ key: null, version: 0 })

  useEffect(() => api.on('data.changed', ({ domain }) => CHANGED_BY.has(domain) && setNonce((n) => n + 1)), [])

  const load = useCallback(
    (page: number, forKey: string) => {
      if (!query || pages.current.has(page) || pending.current.has(page)) return
      pending.current.add(page)
      const input: MethodInput<'records.list'> = {
        regionId: query.regionId,
        serverId: query.serverId,
        collectionId: query.collectionId,
        search: query.search.trim() || undefined,
        sort: query.sort,
        page: { offset: page * RECORDS_PAGE_SIZE, limit: RECORDS_PAGE_SIZE },
      }
      track(1)
      api
        .call('records.list', input)
        .then(
          (answer) => {
            if (keyRef.current !== forKey) return
            pages.current.set(page, answer.rows)
            setState((s) => ({ key: forKey, total: answer.total, version: s.version + 1 }))
          },
          (error: unknown) => {
            if (keyRef.current !== forKey) return
            setState((s) => ({ ...s, key: forKey, error: toApiError(error), version: s.version + 1 }))
          },
        )
        .finally(() => {
          if (keyRef.current === forKey) pending.current.delete(page)
          track(-1)
        })
    },
    [query, track],
  )

  useEffect(() => {
    keyRef.current = key
    pages.current = new Map()
    pending.current = new Set()
    if (key !== null) load(0, key)
    // `load` changes with `query`, which is part of `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key])

  const current = state.key === key
  const total = current ? state.total : undefined
  const want = useCallback(
    (from: number, to: number) => {
      if (keyRef.current === null) return
      const first = Math.floor(Math.max(0, from) / RECORDS_PAGE_SIZE)
      const last = Math.floor(Math.max(0, to) / RECORDS_PAGE_SIZE)
      for (let p = first; p <= last; p++) load(p, keyRef.current)
    },
    [load],
  )
  const row = useCallback((index: number) => pages.current.get(Math.floor(index / RECORDS_PAGE_SIZE))?.[index % RECORDS_PAGE_SIZE], [])

  return { total, row, want, error: current ? state.error : undefined, loading: key !== null && (!current || total === undefined) }
}
