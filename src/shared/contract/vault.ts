import { z } from 'zod'
import { Preferences, VaultStatus } from '../model'
import { Empty, method, SecretInput } from './define'

export const vaultMethods = {
  'vault.status': method('State of the local vault and of the OS keychain option', Empty, VaultStatus, 'always'),
  'vault.setup': method(
    'First run: create the encrypted store protected by a master passphrase',
    z.strictObject({ passphrase: SecretInput, useKeychain: z.boolean().default(false) }),
    VaultStatus,
    'always',
  ),
  'vault.unlock': method('Open the vault with the master passphrase', z.strictObject({ passphrase: SecretInput }), VaultStatus, 'always'),
  'vault.unlockWithKeychain': method('Open the vault with the key kept in the OS keychain', Empty, VaultStatus, 'always'),
  'vault.lock': method('Close the database and forget every key', Empty, VaultStatus, 'always'),
  'vault.setKeychain': method('Turn "unlock with the OS keychain on this device" on or off', z.strictObject({ enabled: z.boolean() }), VaultStatus),
  'vault.changePassphrase': method(
    'Re-wrap the database key under a new master passphrase',
    z.strictObject({ current: SecretInput, next: SecretInput }),
    VaultStatus,
  ),
  'prefs.get': method('Read the preferences of this device', Empty, Preferences, 'always'),
  'prefs.set': method('Change some preferences of this device', Preferences.partial().strict(), Preferences, 'always'),
} as const
