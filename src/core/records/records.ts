import type { RecordRow, RecordSortField } from '../../shared/contract/records'
import type { Session } from '../session'
import { keyStatus, keyUsable, type KeyFacts } from '../users/user-key'
import { hasPassword, type UserRow } from '../users/users'
import { planSearch, resolveScope, type RecordScope, type SearchPlan } from './record-scope'
import { prepared } from '../store/statements'

/**
 * The records table of seed 003 over up to hundreds of thousands of service users. Every
 * count and page is answered from one covering index of service_users (see migration 0004)
 * in that index's own order, so no query sorts or reads the wide table rows; only the page's
 * rows (≤ 500) are read in full. Key-name order goes key by key (keys are few).
 */
export interface RecordsQuery {
  regionId: string
  serverId?: string
  collectionId?: string
  search?: string
  sort: { field: RecordSortField; dir: 'asc' | 'desc' }
  page: { offset: number; limit: number }
}

/** Index and ORDER BY columns (ending in rowid) for each sort; the order is the index's own. */
const ORDERS: Record<Exclude<RecordSortField, 'keyName'>, { index: string; columns: string[] }> = {
  username: { index: 'service_users_by_username', columns: ['username_lc', 'collection_id', 'key_id', 'rowid'] },
  clientId: { index: 'service_users_by_client_id', columns: ['client_id', 'collection_id', 'key_id', 'username_lc', 'rowid'] },
  status: { index: 'service_users_by_status', columns: ['status', 'username_lc', 'collection_id', 'key_id', 'rowid'] },
  createdAt: { index: 'service_users_by_created', columns: ['created_at', 'collection_id', 'key_id', 'username_lc', 'rowid'] },
}
const KEY_ORDER = { index: 'service_users_by_key', columns: ['username_lc', 'collection_id', 'rowid'] }

interface Filter {
  sql: string
  params: Record<string, unknown>
}

/** The WHERE clause shared by counts and pages; every column it names is in every index. */
function filterOf(scope: RecordScope, search: SearchPlan | null): Filter {
  const where = ['deleted_at IS NULL', 'collection_id IN (SELECT value FROM json_each(@collections))']
  const params: Record<string, unknown> = { collections: JSON.stringify(scope.collectionIds) }
  if (search) {
    const any: string[] = []
    if (search.fts) {
      any.push('rowid IN (SELECT rowid FROM service_users_search WHERE service_users_search MATCH @fts)')
      params.fts = search.fts
    }
    if (search.usernamePrefix) {
      any.push('(username_lc >= @lo AND username_lc < @hi)')
      params.lo = search.usernamePrefix.lo
      params.hi = search.usernamePrefix.hi
    }
    if (search.keyIds.length) {
      any.push('key_id IN (SELECT value FROM json_each(@keyIds))')
      params.keyIds = JSON.stringify(search.keyIds)
    }
    if (search.userId) {
      any.push('rowid IN (SELECT rowid FROM service_users WHERE id = @userId)')
      params.userId = search.userId
    }
    where.push(any.length ? `(${any.join(' OR ')})` : '0')
  }
  return { sql: where.join(' AND '), params }
}

const orderBy = (columns: string[], dir: 'asc' | 'desc') => columns.map((c) => `${c} ${dir === 'asc' ? 'ASC' : 'DESC'}`).join(', ')

function pageByIndex(
  s: Session,
  scope: RecordScope,
  filter: Filter,
  q: RecordsQuery,
  order: { index: string; columns: string[] },
  capCount: boolean,
): { rowids: number[]; total: number; totalCapped: boolean } {
  const where = `FROM service_users INDEXED BY ${order.index} WHERE region_id = @region AND ${filter.sql}`
  const ordered = `SELECT rowid AS r ${where} ORDER BY ${orderBy(order.columns, q.sort.dir)}`
  if (capCount) {
    // a broad search: one walk of the index in page order yields the count (up to the cap)
    // and the page together, so the search's match set (an FTS subquery) is built once
    const want = Math.max(recordsTuning.countCap + 1, q.page.offset + q.page.limit)
    const matches = prepared(s.db, `${ordered} LIMIT @want`)
      .pluck()
      .all({ ...filter.params, region: scope.regionId, want }) as number[]
    const totalCapped = matches.length > recordsTuning.countCap
    return { rowids: matches.slice(q.page.offset, q.page.offset + q.page.limit), total: totalCapped ? recordsTuning.countCap : matches.length, totalCapped }
  }
  const { n } = prepared(s.db, `SELECT count(*) AS n ${where}`).get({ ...filter.params, region: scope.regionId }) as { n: number }
  const rowids = prepared(s.db, `${ordered} LIMIT @limit OFFSET @offset`)
    .pluck()
    .all({ ...filter.params, region: scope.regionId, limit: q.page.limit, offset: q.page.offset }) as number[]
  return { rowids, total: n, totalCapped: false }
}

/**
 * Key-name order: the rotation chains of the scope sorted by their current key's name, then
 * users by username within each chain. Counts per chain find the chains the page falls in.
 */
function pageByKeyName(s: Session, scope: RecordScope, filter: Filter, q: RecordsQuery, capCount: boolean): { rowids: number[]; total: number; totalCapped: boolean } {
  const chains = new Map<string, { head: KeyFacts; keyIds: string[] }>()
  for (const key of scope.keys.values()) {
    const head = scope.heads.get(key.id)!
    const chain = chains.get(head.id) ?? { head, keyIds: [] }
    chain.keyIds.push(key.id)
    chains.set(head.id, chain)
  }
  const sorted = [...chains.values()].sort((a, b) => {
    const byName = a.head.name.toLowerCase().localeCompare(b.head.name.toLowerCase(), 'en') || (a.head.id < b.head.id ? -1 : a.head.id > b.head.id ? 1 : 0)
    return q.sort.dir === 'asc' ? byName : -byName
  })
  const count = prepared(s.db, `SELECT count(*) AS n FROM service_users INDEXED BY ${KEY_ORDER.index} WHERE key_id IN (SELECT value FROM json_each(@chain)) AND ${filter.sql}`)
  const countUpTo = prepared(s.db, `SELECT count(*) AS n FROM (SELECT 1 FROM service_users INDEXED BY ${KEY_ORDER.index} WHERE key_id IN (SELECT value FROM json_each(@chain)) AND ${filter.sql} LIMIT @upTo)`)
  const page = prepared(s.db, 
    `SELECT rowid AS r FROM service_users INDEXED BY ${KEY_ORDER.index} WHERE key_id IN (SELECT value FROM json_each(@chain)) AND ${filter.sql}
     ORDER BY ${orderBy(KEY_ORDER.columns, q.sort.dir)} LIMIT @limit OFFSET @offset`,
  )
  // `seen` counts matches chain by chain to place the page; a capped count still counts far
  // enough to reach the requested page, then stops.
  const upTo = Math.max(recordsTuning.countCap, q.page.offset + q.page.limit) + 1
  let seen = 0
  const rowids: number[] = []
  for (const chain of sorted) {
    if (capCount && seen >= upTo) break
    const params = { ...filter.params, chain: JSON.stringify(chain.keyIds) }
    const { n } = (capCount ? countUpTo.get({ ...params, upTo: upTo - seen }) : count.get(params)) as { n: number }
    const start = seen
    seen += n
    const wanted = q.page.limit - rowids.length
    if (n === 0 || wanted === 0 || seen <= q.page.offset) continue
    const offset = Math.max(0, q.page.offset - start)
    rowids.push(...(page.all({ ...params, limit: wanted, offset }) as { r: number }[]).map((r) => r.r))
  }
  const totalCapped = capCount && seen > recordsTuning.countCap
  const total = totalCapped ? recordsTuning.countCap : seen
  return { rowids, total, totalCapped }
}

function toRecordRow(row: UserRow, scope: RecordScope, now: Date): RecordRow {
  const key = scope.keys.get(row.key_id)
  const head = key ? scope.heads.get(key.id)! : undefined
  const status = head ? keyStatus(head, now) : 'deleted'
  const rest = JSON.parse(row.rest_permissions) as string[]
  const soap = JSON.parse(row.soap_permissions) as string[]
  const passwordSet = hasPassword(row)
  return {
    userId: row.id,
    username: row.username,
    clientId: row.client_id,
    status: row.status,
    authMethod: row.auth_method,
    passwordSet,
    collectionId: row.collection_id,
    keyId: head?.id ?? row.key_id,
    keyName: head?.name ?? '',
    keyHint: head?.hint ?? '',
    keyStatus: status,
    applicationKind: head?.application_id ?? '',
    restPermissionCount: rest.length,
    soapPermissionCount: soap.length,
    lastTokenAt: row.last_token_at,
    createdAt: row.created_at,
    operations: {
      restPermissions: rest.length > 0 || row.rest_endpoint !== null,
      soapPermissions: soap.length > 0 || row.soap_endpoint !== null,
      generateToken: row.status === 'active' && passwordSet && head !== undefined && keyUsable(head, now),
      viewMore: row.last_token_at !== null,
      edit: true,
      rotate: status === 'active' || status === 'inactive',
      revoke: status !== 'revoked' && status !== 'deleted',
    },
  }
}

/**
 * Search strategy knobs. A search whose every part matches at most `smallMatchCap` users is
 * answered from that rowid set alone (exact, a few ms at any table size). Broader searches
 * walk a sort index; their total is counted up to `countCap` and then reported as a lower
 * bound (`totalCapped`), because counting every one of 100 000 matches costs more than
 * the page itself and no one pages through ten thousand search hits.
 */
export const recordsTuning = { smallMatchCap: 2000, countCap: 10_000 }

/** Rowids matching the search, or null when some part of it is too broad for the small path. */
function smallMatchSet(s: Session, scope: RecordScope, plan: SearchPlan): number[] | null {
  const cap = recordsTuning.smallMatchCap
  const ids = new Set<number>()
  const take = (rows: { r: number }[]) => {
    if (rows.length > cap) return false
    for (const row of rows) ids.add(row.r)
    return ids.size <= cap
  }
  if (plan.fts && !take(prepared(s.db, 'SELECT rowid AS r FROM service_users_search WHERE service_users_search MATCH ? LIMIT ?').all(plan.fts, cap + 1) as { r: number }[])) return null
  if (
    plan.usernamePrefix &&
    !take(
      prepared(s.db, 'SELECT rowid AS r FROM service_users INDEXED BY service_users_by_username WHERE region_id = ? AND deleted_at IS NULL AND username_lc >= ? AND username_lc < ? LIMIT ?').all(
        scope.regionId,
        plan.usernamePrefix.lo,
        plan.usernamePrefix.hi,
        cap + 1,
      ) as { r: number }[],
    )
  )
    return null
  if (
    plan.keyIds.length &&
    !take(prepared(s.db, 'SELECT rowid AS r FROM service_users INDEXED BY service_users_by_key WHERE key_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL LIMIT ?').all(JSON.stringify(plan.keyIds), cap + 1) as { r: number }[])
  )
    return null
  if (plan.userId && !take(prepared(s.db, 'SELECT rowid AS r FROM service_users WHERE id = ?').all(plan.userId) as { r: number }[])) return null
  return [...ids]
}

interface SortKeys {
  r: number
  username_lc: string
  client_id: string
  status: string
  created_at: string
  collection_id: string
  key_id: string
}

/** The small path: the matching rows' sort columns, ordered exactly as the index paths order them. */
function pageOfRowids(s: Session, scope: RecordScope, rowids: number[], q: RecordsQuery): { rowids: number[]; total: number } {
  const rows = prepared(
    s.db,
    `SELECT u.rowid AS r, u.username_lc, u.client_id, u.status, u.created_at, u.collection_id, u.key_id
     FROM json_each(@ids) j CROSS JOIN service_users u ON u.rowid = j.value
     WHERE u.deleted_at IS NULL AND u.region_id = @region AND u.collection_id IN (SELECT value FROM json_each(@collections))`,
  ).all({ ids: JSON.stringify(rowids), region: scope.regionId, collections: JSON.stringify(scope.collectionIds) }) as SortKeys[]
  const sign = q.sort.dir === 'asc' ? 1 : -1
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
  const byColumns = (columns: string[]) => (a: SortKeys, b: SortKeys) => {
    for (const c of columns) {
      const d = cmp(a[c as keyof SortKeys], b[c as keyof SortKeys])
      if (d !== 0) return sign * d
    }
    return 0
  }
  if (q.sort.field === 'keyName') {
    const chainName = (row: SortKeys) => {
      const head = scope.heads.get(row.key_id)
      return head ? [head.name.toLowerCase(), head.id] : ['', '']
    }
    const within = byColumns(KEY_ORDER.columns)
    rows.sort((a, b) => {
      const [an, aid] = chainName(a)
      const [bn, bid] = chainName(b)
      const byChain = an!.localeCompare(bn!, 'en') || cmp(aid!, bid!)
      return byChain !== 0 ? sign * byChain : within(a, b)
    })
  } else {
    rows.sort(byColumns(ORDERS[q.sort.field].columns))
  }
  return { rowids: rows.slice(q.page.offset, q.page.offset + q.page.limit).map((row) => row.r), total: rows.length }
}

export const records = {
  list(s: Session, q: RecordsQuery): { rows: RecordRow[]; total: number; totalCapped: boolean } {
    const scope = resolveScope(s, q)
    if (scope.collectionIds.length === 0) return { rows: [], total: 0, totalCapped: false }
    const plan = planSearch(s, scope, q.search)
    const small = plan ? smallMatchSet(s, scope, plan) : null
    const filter = filterOf(scope, plan)
    const { rowids, total, totalCapped } = small
      ? { ...pageOfRowids(s, scope, small, q), totalCapped: false }
      : q.sort.field === 'keyName'
        ? pageByKeyName(s, scope, filter, q, plan !== null)
        : pageByIndex(s, scope, filter, q, ORDERS[q.sort.field], plan !== null)
    if (rowids.length === 0) return { rows: [], total, totalCapped }
    const byRowid = new Map(
      (prepared(s.db, 'SELECT rowid AS r, * FROM service_users WHERE rowid IN (SELECT value FROM json_each(?))').all(JSON.stringify(rowids)) as (UserRow & { r: number })[]).map((u) => [u.r, u]),
    )
    const now = s.now()
    return { rows: rowids.map((r) => toRecordRow(byRowid.get(r)!, scope, now)), total, totalCapped }
  },
}
