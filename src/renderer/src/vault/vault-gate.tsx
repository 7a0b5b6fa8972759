import { Button, Center, Code, Loader, Stack, Text, useMantineColorScheme } from '@mantine/core'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { VaultStatus } from '../../../shared/model'
import { api, type ApiError, toApiError } from '../api/client'
import { Workspace } from '../shell/workspace'
import { FirstRunScreen } from './first-run-screen'
import { SetupScreen } from './setup-screen'
import { UnlockScreen } from './unlock-screen'
import { VaultContext } from './vault-context'
import { VaultScreenLayout } from './vault-screen-layout'

/** Shows the screen the vault's state calls for and follows `vault.changed` events. */
export function VaultGate() {
  const [status, setStatus] = useState<VaultStatus | null>(null)
  const [failure, setFailure] = useState<ApiError | null>(null)
  // Set when this window just created the vault: offer the sample organisation once.
  const [firstRun, setFirstRun] = useState(false)
  const { setColorScheme } = useMantineColorScheme()

  const load = useCallback(() => {
    void api.invoke('vault.status', {}).then((result) => {
      setFailure(result.ok ? null : toApiError(result.error))
      if (result.ok) setStatus(result.value)
    })
  }, [])

  useEffect(() => {
    load()
    return api.on('vault.changed', setStatus)
  }, [load])

  // Preferences are readable while locked: apply the saved theme once, before anything shows.
  // (Mantine's setColorScheme changes identity on every render, hence the ref.)
  const themeApplied = useRef(false)
  useEffect(() => {
    if (themeApplied.current) return
    themeApplied.current = true
    void api.invoke('prefs.get', {}).then((prefs) => prefs.ok && setColorScheme(prefs.value.theme))
  }, [setColorScheme])

  const context = useMemo(() => (status ? { status, setStatus } : null), [status])

  if (failure) return <ConnectionProblem error={failure} retry={load} />
  if (!status || !context) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Loading" />
      </Center>
    )
  }
  return (
    <VaultContext.Provider value={context}>
      {status.state === 'uninitialized' && (
        <SetupScreen
          status={status}
          onDone={(next) => {
            setFirstRun(true)
            setStatus(next)
          }}
        />
      )}
      {status.state === 'locked' && <UnlockScreen status={status} onDone={setStatus} />}
      {status.state === 'unlocked' && (firstRun ? <FirstRunScreen onDone={() => setFirstRun(false)} /> : <Workspace />)}
    </VaultContext.Provider>
  )
}

function ConnectionProblem({ error, retry }: { error: ApiError; retry(): void }) {
  const tokenProblem = error.code === 'UNAUTHORIZED'
  return (
    <VaultScreenLayout title={tokenProblem ? 'This page needs its access link' : 'Keyward is not answering'} subtitle={error.message}>
      <Stack gap="md">
        {tokenProblem ? (
          <Text size="sm">
            Start the local service with <Code>keyward serve --ui</Code> and open the <Code>openUrl</Code> it prints. That link carries the service’s access
            token; this tab keeps it until the tab is closed.
          </Text>
        ) : (
          <Button onClick={retry}>Try again</Button>
        )}
      </Stack>
    </VaultScreenLayout>
  )
}
