import type { EventName, EventPayload } from '../shared/contract'
import type { KeyIndex } from './keys/key-index'
import type { Db } from './store/database'
import type { Hlc } from './store/hlc'

/** What every domain service gets while the vault is open. */
export interface Session {
  db: Db
  sealKey: Buffer
  hlc: Hlc
  installationId: string
  now(): Date
  /**
   * In-memory verification index of API keys. Services that change keys or licences refresh
   * it after their transaction commits, so it always mirrors the store.
   */
  keyIndex: KeyIndex
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
}
