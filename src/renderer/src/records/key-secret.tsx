import { ActionIcon, Code, Group, Text, Tooltip } from '@mantine/core'
import { IconCopy, IconEye, IconEyeOff } from '@tabler/icons-react'
import { useEffect, useState } from 'react'
import { api } from '../api/client'
import { notifyDone, notifyError } from '../ui/notify'

/** How long a revealed key stays on screen, and a copied one in the clipboard. */
export const REVEAL_MS = 15_000
export const CLIPBOARD_CLEAR_MS = 30_000

let clearTimer: ReturnType<typeof setTimeout> | undefined

/**
 * Writes a secret to the clipboard and empties the clipboard 30 s later if it still holds that
 * secret (the page may not read the clipboard; then it is emptied anyway, which is the safer miss).
 */
export async function copySecret(secret: string, what: string): Promise<void> {
  if (!navigator.clipboard?.writeText) throw new Error('This window may not write to the clipboard.')
  await navigator.clipboard.writeText(secret)
  if (clearTimer) clearTimeout(clearTimer)
  clearTimer = setTimeout(() => {
    clearTimer = undefined
    void (async () => {
      try {
        const now = await navigator.clipboard.readText().catch(() => secret)
        if (now === secret) await navigator.clipboard.writeText('')
      } catch {
        // The window lost focus or clipboard access: nothing more the page can do.
      }
    })()
  }, CLIPBOARD_CLEAR_MS)
  notifyDone(`${what} copied. The clipboard is cleared in 30 seconds.`)
}

/** The X-API key of a row: masked hint, with reveal (briefly) and copy, both audited by the core. */
export function KeySecret({ keyId, hint, label, size = 'sm' }: { keyId: string; hint: string; label: string; size?: 'xs' | 'sm' }) {
  const [shown, setRevealed] = useState<{ keyId: string; secret: string } | null>(null)
  const revealed = shown?.keyId === keyId ? shown.secret : null
  const [busy, setBusy] = useState<'reveal' | 'copy' | null>(null)

  useEffect(() => {
    if (!revealed) return
    const timer = setTimeout(() => setRevealed(null), REVEAL_MS)
    return () => clearTimeout(timer)
  }, [revealed])

  const reveal = async () => {
    if (revealed) return setRevealed(null)
    setBusy('reveal')
    const result = await api.invoke('keys.reveal', { id: keyId })
    setBusy(null)
    if (result.ok) setRevealed({ keyId, secret: result.value.secret })
    else notifyError(result.error, 'Could not reveal the key')
  }
  const copy = async () => {
    setBusy('copy')
    const result = await api.invoke('keys.copy', { id: keyId })
    setBusy(null)
    if (!result.ok) return notifyError(result.error, 'Could not copy the key')
    try {
      await copySecret(result.value.secret, 'X-API key')
    } catch (error) {
      notifyError(error, 'Could not copy the key')
    }
  }

  return (
    <Group gap={4} wrap="nowrap" miw={0}>
      <Code fz={size} data-secret={revealed ? 'revealed' : 'masked'} style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', minWidth: 0 }} title={revealed ? undefined : hint}>
        {revealed ?? hint}
      </Code>
      <Tooltip label={revealed ? 'Hide the key' : `Reveal the key for ${REVEAL_MS / 1000} s`}>
        <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`${revealed ? 'Hide' : 'Reveal'} X-API key of ${label}`} onClick={reveal} loading={busy === 'reveal'}>
          {revealed ? <IconEyeOff size={16} /> : <IconEye size={16} />}
        </ActionIcon>
      </Tooltip>
      <Tooltip label="Copy the key (cleared from the clipboard after 30 s)">
        <ActionIcon variant="subtle" color="gray" size="sm" aria-label={`Copy X-API key of ${label}`} onClick={copy} loading={busy === 'copy'}>
          <IconCopy size={16} />
        </ActionIcon>
      </Tooltip>
    </Group>
  )
}

export function SecretText({ children }: { children: string }) {
  return (
    <Text ff="monospace" size="sm" style={{ wordBreak: 'break-all' }}>
      {children}
    </Text>
  )
}

/** Alert titles in the body colour: Mantine's light teal/yellow titles miss WCAG AA contrast. */
export function AlertTitle({ children }: { children: string }) {
  return (
    <Text span fw={700} size="sm" c="var(--mantine-color-text)">
      {children}
    </Text>
  )
}
