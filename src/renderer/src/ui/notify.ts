import { notifications } from '@mantine/notifications'
import { useEffect } from 'react'
import type { ApiError } from '../api/client'
import { toApiError } from '../api/client'

// Mantine's close button has no accessible name of its own.
export const closeButtonProps = { 'aria-label': 'Dismiss notification' }

/** Shows a refused or failed call as a notification: the coded error's message, code as title. */
export function notifyError(error: unknown, title?: string): void {
  const e = toApiError(error)
  notifications.show({ color: 'red', title: title ?? humanCode(e.code), message: e.message, autoClose: 8000, closeButtonProps })
}

export function notifyDone(message: string): void {
  notifications.show({ color: 'teal', message, autoClose: 3000, closeButtonProps })
}

/** VAULT_BAD_PASSPHRASE → "Vault bad passphrase" is not great; titles read better short. */
function humanCode(code: string): string {
  const titles: Record<string, string> = {
    NAME_TAKEN: 'Name already used',
    NAME_INVALID: 'Name not accepted',
    NOT_EMPTY: 'Not empty',
    VAULT_LOCKED: 'Vault locked',
    VAULT_BAD_PASSPHRASE: 'Wrong passphrase',
    VAULT_WEAK_PASSPHRASE: 'Passphrase too weak',
    KEYCHAIN_UNAVAILABLE: 'OS keychain unavailable',
    KEYCHAIN_NOT_ENABLED: 'OS keychain not enabled',
    UNAUTHORIZED: 'Not authorised',
    INTERNAL: 'Something went wrong',
  }
  return titles[code] ?? 'Refused'
}

/** A query that failed says so once; a locked vault needs no notice (the unlock screen shows). */
export function useQueryErrorNotice(error: ApiError | undefined): void {
  useEffect(() => {
    if (error && error.code !== 'VAULT_LOCKED') notifyError(error)
  }, [error])
}
