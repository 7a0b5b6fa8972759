import { createContext, useContext } from 'react'
import type { VaultStatus } from '../../../shared/model'

export interface VaultContextValue {
  status: VaultStatus
  /** Adopt a status returned by a vault.* call (events bring the same, possibly later). */
  setStatus(status: VaultStatus): void
}

export const VaultContext = createContext<VaultContextValue | null>(null)

export function useVault(): VaultContextValue {
  const value = useContext(VaultContext)
  if (!value) throw new Error('useVault() outside <VaultGate>')
  return value
}
