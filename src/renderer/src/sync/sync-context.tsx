import { Button, Group, Text } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { SyncProgress, SyncStatus, SyncSummary } from '../../../shared/contract/sync'
import { ORGANISATION_SCOPE } from '../../../shared/sync'
import { api, toApiError } from '../api/client'
import { useRefresh } from '../api/refresh'
import { useApiQuery } from '../api/use-api-query'
import { closeButtonProps, notifyError, useQueryErrorNotice } from '../ui/notify'
import { PreviewModal } from './preview-modal'
import { summaryText } from './sync-format'

export interface SyncState {
  /** Undefined until the first answer. */
  status: SyncStatus | undefined
  /** True while a sync runs: one pressed here, or the core's background retry (not while a first-sync preview waits). */
  running: boolean
  /** What a running sync is doing, from the `sync.progress` event or polled status. */
  progress: SyncProgress | null
  reloadStatus(): void
  /**
   * The red button of seed 003: with sync configured, sync `collectionId` (every synced
   * collection when null) and then reload every screen; without, only reload.
   */
  syncAndRefresh(collectionId: string | null): Promise<void>
  /** Opens the Sync section (set-up form, status and conflicts). */
  openSync(): void
}

const SyncContext = createContext<SyncState | null>(null)

export function useSync(): SyncState {
  const value = useContext(SyncContext)
  if (!value) throw new Error('useSync() outside <SyncProvider>')
  return value
}

/** Progress is also polled while a run is under way, for transports that deliver no events. */
const POLL_MS = 1000
const ACTIVE_PHASES = new Set<SyncProgress['phase']>(['connecting', 'pushing', 'pulling', 'applying'])
/** Edits come in bursts (a sample load, a tier change): count the outbox once they settle. */
const PENDING_SETTLE_MS = 300

/**
 * The scopes a run would sync for the first time: the organisation-wide one and the
 * collection (or every collection) that has not had its confirmed first sync.
 */
async function firstSyncScopes(collectionId: string | null): Promise<string[]> {
  const status = await api.invoke('sync.status', {})
  const states = status.ok ? status.value.collections : []
  const firstTime = states.filter((c) => !c.initialDone).map((c) => c.collectionId)
  if (!collectionId) return firstTime
  const scopes = firstTime.filter((id) => id === ORGANISATION_SCOPE || id === collectionId)
  return scopes.includes(collectionId) || states.some((c) => c.collectionId === collectionId && c.initialDone) ? scopes : [...scopes, collectionId]
}

export function SyncProvider({ onOpenSync, children }: { onOpenSync(): void; children: ReactNode }) {
  const { refresh } = useRefresh()
  const status = useApiQuery('sync.status', {}, ['sync'])
  useQueryErrorNotice(status.error)
  const [ownRun, setOwnRun] = useState(false)
  const [progress, setProgress] = useState<SyncProgress | null>(null)
  /** The run waiting for its first-sync preview: which collection (null: all), which scopes to show. */
  const [awaiting, setAwaiting] = useState<{ collectionId: string | null; scopes: string[] } | null>(null)
  const runningRef = useRef(false)

  // Every run reports here, the core's background retries too, so the button shows those as well.
  useEffect(() => api.on('sync.progress', setProgress), [])
  const running = ownRun || (progress !== null && ACTIVE_PHASES.has(progress.phase))

  // Any local edit may add to the outbox: the pending counts follow (once per burst of changes).
  const { reload: reloadStatus } = status
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = api.on('data.changed', ({ domain }) => {
      if (domain === 'sync') return
      clearTimeout(timer)
      timer = setTimeout(reloadStatus, PENDING_SETTLE_MS)
    })
    return () => {
      off()
      clearTimeout(timer)
    }
  }, [reloadStatus])

  useEffect(() => {
    if (!ownRun) return
    const timer = setInterval(() => {
      void api.invoke('sync.status', {}).then((r) => {
        if (r.ok && runningRef.current && r.value.running) setProgress(r.value.progress)
      })
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [ownRun])

  const announce = useCallback(
    (summary: SyncSummary) => {
      const failed = summary.error !== null
      notifications.show({
        color: failed ? 'red' : summary.conflicts > 0 ? 'orange' : 'teal',
        title: failed ? 'Sync stopped early' : 'Sync finished',
        message: (
          <>
            <Text size="sm">{summaryText(summary)}.</Text>
            {failed && <Text size="sm">{summary.error?.message} What was acknowledged before stays acknowledged; press refresh to try again.</Text>}
            {summary.conflicts > 0 && (
              <Group mt={6}>
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() => {
                    notifications.clean()
                    onOpenSync()
                  }}
                >
                  Review conflicts
                </Button>
              </Group>
            )}
          </>
        ),
        autoClose: failed || summary.conflicts > 0 ? 12_000 : 5000,
        closeButtonProps,
      })
    },
    [onOpenSync],
  )

  /** One sync.run; a first sync that needs its preview opens the preview instead of failing. */
  const run = useCallback(
    async (collectionId: string | null, confirmInitial: boolean) => {
      if (runningRef.current) return
      runningRef.current = true
      setOwnRun(true)
      setProgress(null)
      try {
        const summary = await api.call('sync.run', { ...(collectionId ? { collectionId } : {}), confirmInitial })
        announce(summary)
      } catch (failure) {
        const e = toApiError(failure)
        if (e.code === 'SYNC_PREVIEW_REQUIRED') setAwaiting({ collectionId, scopes: await firstSyncScopes(collectionId) })
        else notifyError(e, 'Sync failed')
      } finally {
        runningRef.current = false
        setOwnRun(false)
        setProgress(null)
        // Every query, sync.status included, reloads: pulled changes show at once.
        refresh()
      }
    },
    [announce, refresh],
  )

  const configured = status.data?.configured === true
  const syncAndRefresh = useCallback(async (collectionId: string | null) => (configured ? run(collectionId, false) : refresh()), [configured, run, refresh])

  const value = useMemo<SyncState>(
    () => ({ status: status.data, running, progress, reloadStatus, syncAndRefresh, openSync: onOpenSync }),
    [status.data, reloadStatus, running, progress, syncAndRefresh, onOpenSync],
  )

  return (
    <SyncContext.Provider value={value}>
      {children}
      <PreviewModal
        scopes={awaiting?.scopes ?? null}
        everything={awaiting?.collectionId === null}
        onClose={() => setAwaiting(null)}
        onConfirm={() => {
          if (!awaiting) return
          setAwaiting(null)
          void run(awaiting.collectionId, true)
        }}
      />
    </SyncContext.Provider>
  )
}
