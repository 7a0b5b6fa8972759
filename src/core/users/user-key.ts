import { KeywardError } from '../../shared/errors'
import type { RecordKeyStatus } from '../../shared/contract/records'
import { effectiveStatus, type KeyRow } from '../keys/key-view'
import type { Session } from '../session'
import { prepared } from '../store/statements'

/**
 * The API key a service user belongs to ("Server" in seed 001). Users store the key they were
 * given; rotation creates a successor row, and the user follows the chain to its current key,
 * so a rotation never has to touch 100 000 user rows and users keep working after it.
 */

/** What the user screens and the records table need of a key; never the secret columns. */
export interface KeyFacts {
  id: string
  collection_id: string
  application_id: string
  name: string
  hint: string
  prefix: string
  status: KeyRow['status']
  expires_at: string | null
  grace_until: string | null
  successor_id: string | null
  permissions: string
  deleted_at: string | null
  licence_usable: number
}

export const KEY_FACTS = `k.id, k.collection_id, k.application_id, k.name, k.hint, k.prefix, k.status, k.expires_at, k.grace_until, k.successor_id,
  k.permissions, k.deleted_at, (l.status = 'active' AND l.deleted_at IS NULL) AS licence_usable`
export const KEY_FACTS_FROM = 'api_keys k JOIN licences l ON l.id = k.licence_id'

/** A chain never has cycles (a successor is always a new row); the bound only guards corrupt data. */
const MAX_CHAIN = 10_000

/** Follows successor links to the current key of `start`'s rotation chain. */
export function headOf(start: KeyFacts, byId: ReadonlyMap<string, KeyFacts>): KeyFacts {
  let key = start
  for (let hops = 0; key.successor_id !== null && hops < MAX_CHAIN; hops++) {
    const next = byId.get(key.successor_id)
    if (!next) break
    key = next
  }
  return key
}

/** Every key of the collections in `collectionIds` (a small table: keys, not users). */
export function keysOfCollections(s: Session, collectionIds: readonly string[]): Map<string, KeyFacts> {
  const rows = prepared(s.db, `SELECT ${KEY_FACTS} FROM ${KEY_FACTS_FROM} WHERE k.collection_id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(collectionIds)) as KeyFacts[]
  return new Map(rows.map((k) => [k.id, k]))
}

/** The current key of `keyId`'s chain, read key by key (for one user). */
export function currentKey(s: Session, keyId: string): KeyFacts | undefined {
  const one = prepared(s.db, `SELECT ${KEY_FACTS} FROM ${KEY_FACTS_FROM} WHERE k.id = ?`)
  let key = one.get(keyId) as KeyFacts | undefined
  for (let hops = 0; key?.successor_id && hops < MAX_CHAIN; hops++) {
    const next = one.get(key.successor_id) as KeyFacts | undefined
    if (!next) break
    key = next
  }
  return key
}

/** The key status a list shows: the key service's effective status, or `deleted`. */
export function keyStatus(key: KeyFacts, now: Date): RecordKeyStatus {
  return key.deleted_at !== null ? 'deleted' : effectiveStatus(key, now)
}

/** Tokens can be issued only while the current key would verify: active, in time, licensed. */
export function keyUsable(key: KeyFacts, now: Date): boolean {
  return keyStatus(key, now) === 'active' && key.licence_usable === 1
}

/**
 * The key a user may be attached to: a key of the same collection that is neither revoked nor
 * deleted. A key replaced by rotation is resolved to its successor first.
 */
export function requireAssignableKey(s: Session, keyId: string, collectionId: string): KeyFacts {
  const key = currentKey(s, keyId)
  if (!key) throw new KeywardError('USER_KEY_INVALID', `No API key with id ${keyId} exists.`)
  if (key.collection_id !== collectionId) throw new KeywardError('USER_KEY_INVALID', `The API key "${key.name}" belongs to another collection; a service user can only use a key of its own collection.`)
  if (key.deleted_at !== null) throw new KeywardError('USER_KEY_INVALID', `The API key "${key.name}" was deleted.`)
  if (key.status === 'revoked') throw new KeywardError('USER_KEY_INVALID', `The API key "${key.name}" is revoked; choose a key that can still be used.`)
  return key
}
