import type { ScanMatch } from '../../shared/contract/scan'
import { effectiveStatus, type KeyRow } from '../keys/key-view'
import type { Session } from '../session'
import { prepared } from '../store/statements'

type IdentifyRow = Pick<KeyRow, 'id' | 'name' | 'prefix' | 'collection_id' | 'status' | 'expires_at' | 'grace_until' | 'deleted_at'> & { collection_name: string }

const BY_DIGEST = `
  SELECT k.id, k.name, k.prefix, k.collection_id, k.status, k.expires_at, k.grace_until, k.deleted_at, c.name AS collection_name
  FROM api_keys k JOIN collections c ON c.id = k.collection_id
  WHERE k.digest = ?`

/**
 * The store side of the leak scan (DESIGN §7): each digest the scanner found is looked up in
 * the unique digest index. Only names and ids come back; the sealed secret is never read.
 */
export function identifyDigests(s: Session, digests: string[]): ScanMatch[] {
  const now = s.now()
  const statement = prepared(s.db, BY_DIGEST)
  return digests.map((digest) => {
    const row = statement.get(Buffer.from(digest, 'hex')) as IdentifyRow | undefined
    if (!row) return { digest, key: null }
    return {
      digest,
      key: {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        collectionId: row.collection_id,
        collectionName: row.collection_name,
        status: effectiveStatus(row, now),
        deleted: row.deleted_at !== null,
      },
    }
  })
}
