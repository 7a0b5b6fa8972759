import { MantineProvider } from '@mantine/core'
import { ModalsProvider } from '@mantine/modals'
import { Notifications } from '@mantine/notifications'
import { cssVariablesResolver, theme } from './theme'
import { VaultGate } from './vault/vault-gate'

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" cssVariablesResolver={cssVariablesResolver}>
      <Notifications position="top-right" limit={4} />
      <ModalsProvider labels={{ confirm: 'Confirm', cancel: 'Cancel' }}>
        <VaultGate />
      </ModalsProvider>
    </MantineProvider>
  )
}
