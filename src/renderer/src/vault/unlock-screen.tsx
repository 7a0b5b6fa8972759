import { Button, Divider, PasswordInput, Stack, Text } from '@mantine/core'
import { IconFingerprint, IconLockOpen } from '@tabler/icons-react'
import { useState, type FormEvent } from 'react'
import type { VaultStatus } from '../../../shared/model'
import { api, toApiError } from '../api/client'
import { notifyError } from '../ui/notify'
import { VaultScreenLayout } from './vault-screen-layout'

export function UnlockScreen({ status, onDone }: { status: VaultStatus; onDone(status: VaultStatus): void }) {
  const [passphrase, setPassphrase] = useState('')
  const [busy, setBusy] = useState<'passphrase' | 'keychain' | null>(null)
  const [refusal, setRefusal] = useState<string | null>(null)

  const unlock = async (event: FormEvent) => {
    event.preventDefault()
    if (!passphrase || busy) return
    setBusy('passphrase')
    setRefusal(null)
    try {
      onDone(await api.call('vault.unlock', { passphrase }))
    } catch (error) {
      const e = toApiError(error)
      // A wrong passphrase is said next to the field, which keeps what was typed.
      if (e.code === 'VAULT_BAD_PASSPHRASE') setRefusal(e.message)
      else notifyError(e)
      setBusy(null)
    }
  }

  const unlockWithKeychain = async () => {
    setBusy('keychain')
    try {
      onDone(await api.call('vault.unlockWithKeychain', {}))
    } catch (error) {
      notifyError(error)
      setBusy(null)
    }
  }

  return (
    <VaultScreenLayout title="Unlock Keyward" subtitle="The vault is locked. Enter the master passphrase to open it.">
      <form onSubmit={unlock} noValidate>
        <Stack gap="md">
          <PasswordInput
            label="Master passphrase"
            value={passphrase}
            onChange={(e) => {
              setPassphrase(e.currentTarget.value)
              setRefusal(null)
            }}
            error={refusal}
            autoComplete="current-password"
            autoFocus
          />
          <Button type="submit" size="md" leftSection={<IconLockOpen size={18} />} disabled={!passphrase || busy === 'keychain'} loading={busy === 'passphrase'}>
            Unlock
          </Button>
          {status.keychain.enabled && (
            <>
              <Divider label="or" labelPosition="center" />
              <Button
                variant="default"
                size="md"
                leftSection={<IconFingerprint size={18} />}
                onClick={unlockWithKeychain}
                loading={busy === 'keychain'}
                disabled={busy === 'passphrase' || !status.keychain.available}
              >
                Unlock with OS keychain
              </Button>
              {!status.keychain.available && (
                <Text size="sm" c="dimmed">
                  The OS keychain is not reachable right now: {status.keychain.reason ?? 'no usable secret store.'}
                </Text>
              )}
            </>
          )}
        </Stack>
      </form>
    </VaultScreenLayout>
  )
}
