import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'

interface RefreshState {
  /** Bumped by the red refresh button; every query reloads when it changes. */
  generation: number
  refresh(): void
}

interface BusyState {
  /** Queries currently loading, so the refresh button can show that it is working. */
  busy: number
  track(delta: 1 | -1): void
}

const RefreshContext = createContext<RefreshState>({ generation: 0, refresh: () => {} })
const BusyContext = createContext<BusyState>({ busy: 0, track: () => {} })

export function RefreshProvider({ children }: { children: ReactNode }) {
  const [generation, setGeneration] = useState(0)
  const [busy, setBusy] = useState(0)
  const refresh = useCallback(() => setGeneration((g) => g + 1), [])
  const track = useCallback((delta: 1 | -1) => setBusy((b) => Math.max(0, b + delta)), [])
  const refreshValue = useMemo(() => ({ generation, refresh }), [generation, refresh])
  const busyValue = useMemo(() => ({ busy, track }), [busy, track])
  return (
    <RefreshContext.Provider value={refreshValue}>
      <BusyContext.Provider value={busyValue}>{children}</BusyContext.Provider>
    </RefreshContext.Provider>
  )
}

export const useRefresh = () => useContext(RefreshContext)
export const useBusy = () => useContext(BusyContext)
