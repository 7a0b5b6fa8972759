import { Button, Checkbox, PasswordInput, Stack } from '@mantine/core'
import { useState, type FormEvent } from 'react'
import type { VaultStatus } from '../../../shared/model'
import { api, toApiError } from '../api/client'
import { notifyError } from '../ui/notify'
import { PassphraseMeter } from './passphrase-meter'
import { usePassphraseStrength } from './use-passphrase-strength'
import { VaultScreenLayout } from './vault-screen-layout'

/** First run: choose the master passphrase that wraps the database key. */
export function SetupScreen({ status, onDone }: { status: VaultStatus; onDone(status: VaultStatus): void }) {
  const [passphrase, setPassphrase] = useState('')
  const [repeat, setRepeat] = useState('')
  const [useKeychain, setUseKeychain] = useState(false)
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<string | null>(null)
  const live = usePassphraseStrength(passphrase)
  const mismatch = repeat.length > 0 && repeat !== passphrase && (repeat.length >= passphrase.length || !passphrase.startsWith(repeat))
  const ready = live.acceptable && repeat === passphrase && !busy
  const keychain = status.keychain

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!ready) return
    setBusy(true)
    setRefusal(null)
    try {
      onDone(await api.call('vault.setup', { passphrase, useKeychain: keychain.available && useKeychain }))
    } catch (error) {
      const e = toApiError(error)
      if (e.code === 'VAULT_WEAK_PASSPHRASE') setRefusal(e.message)
      else notifyError(e)
      setBusy(false)
    }
  }

  return (
    <VaultScreenLayout
      title="Set up your vault"
      subtitle="Keyward keeps every key in an encrypted store on this device. Choose the master passphrase that opens it — on this machine or any other."
      footer="The passphrase cannot be recovered. Keep it in your organisation’s password manager."
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <PasswordInput
            label="Master passphrase"
            description="At least 12 characters; several unrelated words work well."
            value={passphrase}
            onChange={(e) => {
              setPassphrase(e.currentTarget.value)
              setRefusal(null)
            }}
            error={refusal}
            autoComplete="new-password"
            aria-describedby="setup-strength"
            data-autofocus
            autoFocus
          />
          <PassphraseMeter id="setup-strength" strength={live.strength} empty={passphrase.length === 0} />
          <PasswordInput
            label="Repeat the passphrase"
            value={repeat}
            onChange={(e) => setRepeat(e.currentTarget.value)}
            error={mismatch ? 'The two passphrases differ.' : null}
            autoComplete="new-password"
          />
          <Checkbox
            label="Unlock with the OS keychain on this device"
            description={
              keychain.available
                ? 'Keeps the vault key in this computer’s keychain so unlocking needs no typing. The passphrase still works everywhere.'
                : (keychain.reason ?? 'Not available: this system has no usable OS keychain.')
            }
            checked={keychain.available && useKeychain}
            onChange={(e) => setUseKeychain(e.currentTarget.checked)}
            disabled={!keychain.available}
          />
          <Button type="submit" size="md" disabled={!ready} loading={busy} mt="xs">
            Create vault
          </Button>
        </Stack>
      </form>
    </VaultScreenLayout>
  )
}
