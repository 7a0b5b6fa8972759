import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { SafeStorage } from 'electron'
import type { Keychain } from '../core/vault/keychain'
import { writeFileAtomic } from '../core/vault/vault-file'

/**
 * The desktop's keychain: Electron safeStorage, whose key lives in the OS keychain (Keychain,
 * DPAPI, libsecret/kwallet). Linux's 'basic_text' fallback is a hard-coded key, so it counts
 * as unavailable: the database key is never written where anyone could read it.
 */
export function safeStorageKeychain(safeStorage: SafeStorage, dir: string, platform = process.platform): Keychain {
  const file = (account: string) => join(dir, `${account.replace(/[^a-zA-Z0-9-]/g, '_')}.bin`)
  const availability = () => {
    if (!safeStorage.isEncryptionAvailable()) return { available: false as const, reason: 'The OS keychain is not available on this device; unlock with the passphrase.' }
    if (platform === 'linux' && ['basic_text', 'unknown'].includes(safeStorage.getSelectedStorageBackend())) {
      return { available: false as const, reason: 'No Secret Service (GNOME Keyring, KWallet) is running on this desktop; unlock with the passphrase.' }
    }
    return { available: true as const }
  }
  return {
    probe: async () => availability(),
    async get(account) {
      if (!availability().available || !existsSync(file(account))) return null
      return safeStorage.decryptString(readFileSync(file(account)))
    },
    async set(account, secret) {
      const probe = availability()
      if (!probe.available) throw new Error(probe.reason)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      writeFileAtomic(file(account), safeStorage.encryptString(secret))
    },
    async delete(account) {
      rmSync(file(account), { force: true })
    },
  }
}
