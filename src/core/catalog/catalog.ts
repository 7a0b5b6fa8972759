import { catalogIds, type Catalog } from '../../shared/catalog'
import { KeywardError } from '../../shared/errors'
import { redactKeys } from '../../shared/key-format'
import { CATALOG } from './catalog-data'

/** Catalog order of every id, so stored permission sets read the same way everywhere. */
const ORDER = new Map(catalogIds(CATALOG).map((id, i) => [id, i]))

export function getCatalog(): Catalog {
  return CATALOG
}

export const isKnownPermission = (id: string): boolean => ORDER.has(id)

/**
 * Checks a permission set against the catalog: unknown ids are refused naming the first
 * few; duplicates are folded; the result is in catalog order.
 */
export function normalizePermissions(ids: readonly string[]): string[] {
  const unknown = [...new Set(ids.filter((id) => !ORDER.has(id)))]
  if (unknown.length) {
    const shown = unknown.slice(0, 3).map((id) => `"${redactKeys(id, 80)}"`).join(', ')
    throw new KeywardError('PERMISSION_UNKNOWN', `${unknown.length === 1 ? 'Permission' : 'Permissions'} ${shown}${unknown.length > 3 ? ` and ${unknown.length - 3} more` : ''} ${unknown.length === 1 ? 'is' : 'are'} not in the permission catalog.`)
  }
  return [...new Set(ids)].sort((a, b) => ORDER.get(a)! - ORDER.get(b)!)
}
