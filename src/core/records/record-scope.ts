import { KeywardError } from '../../shared/errors'
import { verifyKeyFormat } from '../../shared/key-format'
import { keyDigest } from '../keys/generate-key'
import type { Session } from '../session'
import { regions, servers } from '../topology/topology'
import { headOf, keysOfCollections, type KeyFacts } from '../users/user-key'
import { prepared } from '../store/statements'

/** Region → server → collection as chosen in seed 003's selectors, checked against each other. */
export interface RecordScope {
  regionId: string
  /** Live collections the table may show. */
  collectionIds: string[]
  /** Every key of those collections, and the current key of each key's rotation chain. */
  keys: Map<string, KeyFacts>
  heads: Map<string, KeyFacts>
}

export function resolveScope(s: Session, q: { regionId: string; serverId?: string; collectionId?: string }): RecordScope {
  regions.get(s, q.regionId)
  if (q.serverId !== undefined && servers.get(s, q.serverId).regionId !== q.regionId) {
    throw new KeywardError('SERVER_NOT_FOUND', `The server ${q.serverId} is not in the selected region.`)
  }
  const rows = prepared(s.db, 
      `SELECT c.id, c.server_id FROM collections c JOIN servers v ON v.id = c.server_id
       WHERE v.region_id = ? AND v.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY c.id`,
    )
    .all(q.regionId) as { id: string; server_id: string }[]
  let collectionIds = rows.filter((r) => q.serverId === undefined || r.server_id === q.serverId).map((r) => r.id)
  if (q.collectionId !== undefined) {
    if (!collectionIds.includes(q.collectionId)) {
      throw new KeywardError('COLLECTION_NOT_FOUND', `The collection ${q.collectionId} does not exist in the selected ${q.serverId ? 'server' : 'region'} (it may have been deleted).`)
    }
    collectionIds = [q.collectionId]
  }
  const keys = keysOfCollections(s, collectionIds)
  const heads = new Map([...keys.values()].map((k) => [k.id, headOf(k, keys)]))
  return { regionId: q.regionId, collectionIds, keys, heads }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** What a search box entry means, worked out once per query. */
export interface SearchPlan {
  /** FTS5 trigram phrase for username / client ID "contains" (three or more characters). */
  fts: string | null
  /** Shorter entries match the start of the username instead ([lo, hi) on username_lc). */
  usernamePrefix: { lo: string; hi: string } | null
  /** Users of these keys match (key name, hint, prefix, pasted key id or whole key). */
  keyIds: string[]
  /** A pasted user id. */
  userId: string | null
}

export function planSearch(s: Session, scope: RecordScope, raw: string | undefined): SearchPlan | null {
  const text = (raw ?? '').normalize('NFC').trim()
  if (text === '') return null
  const lower = text.toLowerCase()
  const pastedKey = verifyKeyFormat(text) === 'VALID_FORMAT' ? keyDigest(text) : null
  const matchingHeads = new Set<string>()
  for (const key of scope.keys.values()) {
    const head = scope.heads.get(key.id)!
    const byText = head.name.toLowerCase().includes(lower) || head.hint.toLowerCase().includes(lower) || head.prefix.toLowerCase().startsWith(lower)
    if (byText || key.id.toLowerCase() === lower) matchingHeads.add(head.id)
  }
  if (pastedKey) {
    const row = prepared(s.db, 'SELECT id FROM api_keys WHERE digest = ?').get(pastedKey) as { id: string } | undefined
    const head = row && scope.heads.get(row.id)
    if (head) matchingHeads.add(head.id)
  }
  const keyIds = [...scope.keys.values()].filter((k) => matchingHeads.has(scope.heads.get(k.id)!.id)).map((k) => k.id)
  return {
    fts: [...lower].length >= 3 ? `"${text.replace(/"/g, '""')}"` : null,
    usernamePrefix: [...lower].length < 3 ? { lo: lower, hi: `${lower}\u{10ffff}` } : null,
    keyIds,
    userId: UUID.test(text) ? lower : null,
  }
}
