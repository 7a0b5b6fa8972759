import type { EventName, EventPayload } from '../shared/contract'
import type { Db } from './store/database'
import type { Hlc } from './store/hlc'

/** What every domain service gets while the vault is open. */
export interface Session {
  db: Db
  sealKey: Buffer
  hlc: Hlc
  installationId: string
  now(): Date
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
}
