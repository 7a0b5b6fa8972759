import { Button, Group, NumberInput, PasswordInput, SegmentedControl, Stack, Switch, useMantineColorScheme, type MantineColorScheme } from '@mantine/core'
import { useState, type FormEvent } from 'react'
import { api, toApiError } from '../api/client'
import { notifyDone, notifyError } from '../ui/notify'
import { PageHeader } from '../ui/page-header'
import { SectionCard } from '../ui/section-card'
import { PassphraseMeter } from '../vault/passphrase-meter'
import { usePassphraseStrength } from '../vault/use-passphrase-strength'
import { useVault } from '../vault/vault-context'

export function SettingsView() {
  const { status } = useVault()
  return (
    <>
      <PageHeader title="Settings" description="How this device opens, locks and shows the vault. Nothing here leaves this device." />
      <Stack gap="lg" maw={760}>
        <KeychainSetting />
        {/* Re-mounts when the value changes elsewhere (another window, the CLI), dropping the draft. */}
        <AutoLockSetting key={status.autoLockMinutes} />
        <AppearanceSetting />
        <ChangePassphrase />
      </Stack>
    </>
  )
}

function KeychainSetting() {
  const { status, setStatus } = useVault()
  const [busy, setBusy] = useState(false)
  const { available, enabled, reason } = status.keychain

  const toggle = async (next: boolean) => {
    setBusy(true)
    try {
      setStatus(await api.call('vault.setKeychain', { enabled: next }))
      notifyDone(next ? 'The vault key is now kept in the OS keychain of this device.' : 'The vault key was removed from the OS keychain.')
    } catch (error) {
      notifyError(error)
    } finally {
      setBusy(false)
    }
  }

  return (
    <SectionCard
      title="OS keychain"
      description="Keep the vault key in this computer’s keychain so unlocking needs no typing. The master passphrase keeps working on any machine."
    >
      <Switch
        label="Unlock with the OS keychain on this device"
        description={available ? undefined : (reason ?? 'Not available: this system has no usable OS keychain.')}
        checked={enabled}
        disabled={busy || (!available && !enabled)}
        onChange={(e) => void toggle(e.currentTarget.checked)}
      />
    </SectionCard>
  )
}

function AutoLockSetting() {
  const { status, setStatus } = useVault()
  const [minutes, setMinutes] = useState<number | string>(status.autoLockMinutes)
  const [busy, setBusy] = useState(false)
  const value = typeof minutes === 'number' ? minutes : Number.parseInt(minutes, 10)
  const valid = Number.isInteger(value) && value >= 0 && value <= 1440

  const save = async (event: FormEvent) => {
    event.preventDefault()
    if (!valid) return
    setBusy(true)
    try {
      await api.call('prefs.set', { autoLockMinutes: value })
      setStatus(await api.call('vault.status', {}))
      notifyDone(value === 0 ? 'Auto-lock is off.' : `The vault now locks after ${value} minutes without activity.`)
    } catch (error) {
      notifyError(error)
    } finally {
      setBusy(false)
    }
  }

  return (
    <SectionCard title="Auto-lock" description="Lock the vault after this many minutes without mouse or keyboard activity. 0 turns auto-lock off.">
      <form onSubmit={save} noValidate>
        <Group align="flex-start" gap="sm">
          <NumberInput
            label="Minutes without activity"
            value={minutes}
            onChange={setMinutes}
            min={0}
            max={1440}
            allowDecimal={false}
            allowNegative={false}
            clampBehavior="none"
            error={valid ? null : 'Use a whole number from 0 to 1440 (24 hours).'}
            w={220}
          />
          <Button type="submit" mt={25} loading={busy} disabled={!valid || value === status.autoLockMinutes}>
            Save
          </Button>
        </Group>
      </form>
    </SectionCard>
  )
}

function AppearanceSetting() {
  const { colorScheme, setColorScheme } = useMantineColorScheme()
  const change = (value: string) => {
    const theme = value as MantineColorScheme
    setColorScheme(theme)
    void api.invoke('prefs.set', { theme }).then((r) => !r.ok && notifyError(r.error, 'Could not save the theme'))
  }
  return (
    <SectionCard title="Appearance" description="Follow the operating system’s light or dark mode, or pick one.">
      <SegmentedControl
        aria-label="Colour scheme"
        value={colorScheme}
        onChange={change}
        data={[
          { value: 'auto', label: 'Follow the system' },
          { value: 'light', label: 'Light' },
          { value: 'dark', label: 'Dark' },
        ]}
        w="fit-content"
      />
    </SectionCard>
  )
}

function ChangePassphrase() {
  const { setStatus } = useVault()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const [busy, setBusy] = useState(false)
  const [refusal, setRefusal] = useState<{ field: 'current' | 'next'; message: string } | null>(null)
  const live = usePassphraseStrength(next)
  const mismatch = repeat.length > 0 && repeat !== next && (repeat.length >= next.length || !next.startsWith(repeat))
  const ready = current.length > 0 && live.acceptable && repeat === next && !busy

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!ready) return
    setBusy(true)
    setRefusal(null)
    try {
      setStatus(await api.call('vault.changePassphrase', { current, next }))
      setCurrent('')
      setNext('')
      setRepeat('')
      notifyDone('Master passphrase changed. Use the new one from now on.')
    } catch (error) {
      const e = toApiError(error)
      if (e.code === 'VAULT_BAD_PASSPHRASE') setRefusal({ field: 'current', message: e.message })
      else if (e.code === 'VAULT_WEAK_PASSPHRASE') setRefusal({ field: 'next', message: e.message })
      else notifyError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <SectionCard title="Master passphrase" description="Re-wraps the vault key under a new passphrase. Nothing else in the vault changes.">
      <form onSubmit={submit} noValidate>
        <Stack gap="md" maw={440}>
          <PasswordInput
            label="Current passphrase"
            value={current}
            onChange={(e) => {
              setCurrent(e.currentTarget.value)
              setRefusal(null)
            }}
            error={refusal?.field === 'current' ? refusal.message : null}
            autoComplete="current-password"
          />
          <PasswordInput
            label="New passphrase"
            value={next}
            onChange={(e) => {
              setNext(e.currentTarget.value)
              setRefusal(null)
            }}
            error={refusal?.field === 'next' ? refusal.message : null}
            autoComplete="new-password"
            aria-describedby="change-strength"
          />
          <PassphraseMeter id="change-strength" strength={live.strength} empty={next.length === 0} />
          <PasswordInput
            label="Repeat the new passphrase"
            value={repeat}
            onChange={(e) => setRepeat(e.currentTarget.value)}
            error={mismatch ? 'The two passphrases differ.' : null}
            autoComplete="new-password"
          />
          <Group>
            <Button type="submit" loading={busy} disabled={!ready}>
              Change passphrase
            </Button>
          </Group>
        </Stack>
      </form>
    </SectionCard>
  )
}
