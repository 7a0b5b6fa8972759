import { api } from '../api/client'
import { notifyDone, notifyError } from '../ui/notify'

const CLEAR_AFTER_MS = 30_000
let clearTimer: ReturnType<typeof setTimeout> | undefined

/** Copies a key's secret (audited by the core) and empties the clipboard 30 s later where the browser lets us. */
export async function copyKeySecret(id: string, name: string): Promise<void> {
  const result = await api.invoke('keys.copy', { id })
  if (!result.ok) return notifyError(result.error)
  try {
    await navigator.clipboard.writeText(result.value.secret)
  } catch {
    return notifyError({ code: 'INTERNAL', message: 'The clipboard is not available here; reveal the key from the records table instead.' }, 'Could not copy')
  }
  notifyDone(`Copied the key of ${name}. The clipboard is cleared in 30 seconds.`)
  if (clearTimer) clearTimeout(clearTimer)
  clearTimer = setTimeout(() => void navigator.clipboard.writeText('').catch(() => undefined), CLEAR_AFTER_MS)
}
