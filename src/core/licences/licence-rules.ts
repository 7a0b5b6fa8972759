import type { TierChangePreview } from '../../shared/contract/clients'
import { KeywardError } from '../../shared/errors'
import { licenceLimit, TIER_LABELS, type Tier } from '../../shared/licensing'
import { effectiveStatus, type KeyRow } from '../keys/key-view'
import type { Session } from '../session'
import { prepared } from '../store/statements'

/**
 * The master-licence rules of seed 000, in one place: licences.create, licences.rebind and
 * clients.setTier all ask these functions, so the limit is counted one way only.
 *
 * - a client holds at most licenceLimit(tier) live licences (active or inactive: both are bound);
 * - a collection has at most one live licence;
 * - a downgrade that leaves more licences than the new tier allows names the licences it
 *   releases, and the caller must confirm exactly those.
 */

export interface ClientFacts {
  id: string
  name: string
  tier: Tier
}

export function liveLicenceCount(s: Session, clientId: string): number {
  return (prepared(s.db, 'SELECT count(*) AS n FROM licences WHERE client_id = ? AND deleted_at IS NULL').get(clientId) as { n: number }).n
}

/** How many licences a client with `count` live licences must give up to fit `tier`. */
export const excessLicences = (tier: Tier, count: number): number => Math.max(0, count - licenceLimit(tier))

export function assertRoomForLicence(s: Session, client: ClientFacts): void {
  const count = liveLicenceCount(s, client.id)
  if (excessLicences(client.tier, count + 1) > 0) {
    const limit = licenceLimit(client.tier)
    throw new KeywardError(
      'LICENCE_LIMIT_REACHED',
      `"${client.name}" is a ${TIER_LABELS[client.tier]} client and already holds ${count} of ${limit} master licence${limit === 1 ? '' : 's'}; upgrade the tier or release a licence first.`,
    )
  }
}

export function assertCollectionFree(s: Session, collectionId: string, exceptLicenceId?: string): void {
  const holder = prepared(s.db, 
      `SELECT l.id, c.name AS client_name, k.name AS collection_name FROM licences l
       JOIN clients c ON c.id = l.client_id JOIN collections k ON k.id = l.collection_id
       WHERE l.collection_id = ? AND l.deleted_at IS NULL AND l.id IS NOT ?`,
    )
    .get(collectionId, exceptLicenceId ?? null) as { id: string; client_name: string; collection_name: string } | undefined
  if (holder) {
    throw new KeywardError('COLLECTION_ALREADY_LICENSED', `The collection "${holder.collection_name}" is already bound to master licence ${holder.id} of "${holder.client_name}".`)
  }
}

interface LiveLicence {
  id: string
  collection_id: string
  collection_name: string
  status: 'active' | 'inactive'
  created_at: string
  key_count: number
}

function liveLicences(s: Session, clientId: string): LiveLicence[] {
  return prepared(s.db, 
      `SELECT l.id, l.collection_id, c.name AS collection_name, l.status, l.created_at,
         (SELECT count(*) FROM api_keys k WHERE k.licence_id = l.id AND k.deleted_at IS NULL AND k.status <> 'revoked') AS key_count
       FROM licences l JOIN collections c ON c.id = l.collection_id
       WHERE l.client_id = ? AND l.deleted_at IS NULL`,
    )
    .all(clientId) as LiveLicence[]
}

/**
 * The keys a released licence would switch off, each with its status as the keys list derives
 * it (effectiveStatus). A replaced key still in its rotation grace is said as such: it shares
 * its successor's name, and both being "active" read as two active keys of one application.
 */
function orphanedKeys(s: Session, licenceId: string) {
  const now = s.now()
  return (
    prepared(
      s.db,
      `SELECT id, name, application_id, status, expires_at, grace_until FROM api_keys WHERE licence_id = ? AND deleted_at IS NULL AND status <> 'revoked' ORDER BY name COLLATE NOCASE, id`,
    ).all(licenceId) as Pick<KeyRow, 'id' | 'name' | 'application_id' | 'status' | 'expires_at' | 'grace_until'>[]
  ).map((k) => {
    // a grace that has run out makes the key expired; one still running leaves it active
    const status = effectiveStatus(k, now)
    return { id: k.id, name: k.name, applicationKind: k.application_id, status: status === 'active' && k.grace_until !== null ? 'in rotation grace' : status }
  })
}

/**
 * What moving `client` to `to` would release. Without `chosen`, the core proposes the
 * licences that hurt least (fewest keys, then newest); with `chosen`, those must be exactly
 * as many live licences of this client as the change needs.
 */
export function planTierChange(s: Session, client: ClientFacts, to: Tier, chosen?: readonly string[]): TierChangePreview {
  const live = liveLicences(s, client.id)
  const mustRelease = excessLicences(to, live.length)
  let picked: LiveLicence[]
  if (chosen !== undefined) {
    const unique = [...new Set(chosen)]
    const byId = new Map(live.map((l) => [l.id, l]))
    const strangers = unique.filter((id) => !byId.has(id))
    if (strangers.length) {
      throw new KeywardError('TIER_RELEASE_MISMATCH', `Licence ${strangers.join(', ')} is not a live master licence of "${client.name}".`)
    }
    if (unique.length !== mustRelease) {
      throw new KeywardError(
        'TIER_RELEASE_MISMATCH',
        mustRelease === 0
          ? `Moving "${client.name}" to ${TIER_LABELS[to]} releases no licence; do not name any.`
          : `Moving "${client.name}" to ${TIER_LABELS[to]} releases exactly ${mustRelease} licence${mustRelease === 1 ? '' : 's'}, not ${unique.length}.`,
      )
    }
    picked = unique.map((id) => byId.get(id)!)
  } else {
    picked = [...live]
      .sort((a, b) => a.key_count - b.key_count || (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id.localeCompare(a.id)))
      .slice(0, mustRelease)
  }
  return {
    clientId: client.id,
    from: client.tier,
    to,
    limit: licenceLimit(to),
    liveLicences: live.length,
    mustRelease,
    releases: picked.map((l) => ({ licenceId: l.id, collectionId: l.collection_id, collectionName: l.collection_name, status: l.status, keys: orphanedKeys(s, l.id) })),
    proposed: chosen === undefined,
  }
}

/** The refusal when a downgrade would orphan licences and the caller named none. */
export function downgradeRefusal(client: ClientFacts, plan: TierChangePreview): KeywardError {
  const keys = plan.releases.reduce((n, r) => n + r.keys.length, 0)
  const which = plan.releases.map((r) => `"${r.collectionName}" (licence ${r.licenceId}, ${r.keys.length} key${r.keys.length === 1 ? '' : 's'})`).join(', ')
  return new KeywardError(
    'TIER_DOWNGRADE_ORPHANS',
    `Moving "${client.name}" from ${TIER_LABELS[plan.from]} to ${TIER_LABELS[plan.to]} allows ${plan.limit} master licence${plan.limit === 1 ? '' : 's'} but it holds ${plan.liveLicences}: ` +
      `${plan.mustRelease} would be orphaned, for example ${which}, with ${keys} key${keys === 1 ? '' : 's'}. Preview the change and confirm the licences to release.`,
  )
}
