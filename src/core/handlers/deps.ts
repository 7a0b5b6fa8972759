import type { VaultStatus } from '../../shared/model'
import type { PreferencesStore } from '../preferences'
import type { Session } from '../session'
import type { Vault } from '../vault/vault'

/** What handlers may use; built once by createKeyward. */
export interface CoreDeps {
  vault: Vault
  prefs: PreferencesStore
  /** The open session, or VAULT_LOCKED. */
  session(): Session
  status(): Promise<VaultStatus>
  /** After setup/unlock: start the session, announce the new state. */
  opened(): Promise<VaultStatus>
  /** After a change of vault settings: announce the new state. */
  changed(): Promise<VaultStatus>
  lock(reason?: 'manual' | 'inactivity' | 'suspend' | 'quit', actor?: string): Promise<VaultStatus>
}
