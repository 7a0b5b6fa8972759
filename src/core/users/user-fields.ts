import { TYPES_NEEDING_CONTACT, USERNAME_PATTERN, USER_TYPE_LABELS, type UserType } from '../../shared/contract/users'
import { KeywardError } from '../../shared/errors'
import { normalizePermissions } from '../catalog/catalog'

/** Checks of the admin-given fields of a service user, shared by users.create and users.update. */

export function cleanUsername(raw: string): string {
  const name = raw.normalize('NFC').trim()
  if (!USERNAME_PATTERN.test(name)) {
    throw new KeywardError(
      'USERNAME_INVALID',
      // the refused text is not repeated: a password pasted into the wrong field must not end up in an error
      `That username is not valid (${name.length} characters): use 3–64 characters, letters, digits and . _ @ -, starting with a letter or digit.`,
    )
  }
  return name
}

/** Control characters and line separators have no place in a one-line reference. */
const hasControl = (text: string) => [...text].some((ch) => {
  const c = ch.codePointAt(0)!
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029
})

/** The contact of seed 001: a reference to a contact of the customer's system (id, e-mail or name). */
export function cleanContact(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null
  const contact = raw.normalize('NFC').trim()
  if (contact === '') return null
  if (hasControl(contact)) throw new KeywardError('USER_CONTACT_INVALID', 'The contact must not contain control characters or line breaks.')
  return contact
}

export function assertContactFits(type: UserType, contact: string | null): void {
  if (TYPES_NEEDING_CONTACT.includes(type) && contact === null) {
    throw new KeywardError('USER_CONTACT_REQUIRED', `Type "${USER_TYPE_LABELS[type]}" limits the user to one contact's records, so it needs a contact.`)
  }
}

/** REST and SOAP endpoints (seed 003): absolute http(s) URLs without credentials or fragment. */
export function cleanEndpoint(raw: string | null | undefined, kind: 'REST' | 'SOAP'): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null
  const text = raw.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new KeywardError('ENDPOINT_INVALID', `The ${kind} endpoint "${text.slice(0, 100)}" is not an absolute URL (like https://api.example.com/${kind === 'REST' ? 'rest/v1' : 'soap'}).`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KeywardError('ENDPOINT_INVALID', `The ${kind} endpoint must start with http:// or https://, not ${url.protocol}//.`)
  // credentials in an endpoint would be a secret shown in every list and bundle
  if (url.username || url.password) throw new KeywardError('ENDPOINT_INVALID', `The ${kind} endpoint must not contain a user name or password.`)
  if (url.hash) throw new KeywardError('ENDPOINT_INVALID', `The ${kind} endpoint must not have a #fragment.`)
  return url.toString()
}

/**
 * A user's REST and SOAP permissions: catalog ids of the right family, each also allowed to
 * the user's API key (a user can never do more than its key).
 */
export function cleanUserPermissions(ids: readonly string[], kind: 'REST' | 'SOAP', keyPermissions: ReadonlySet<string>, keyName: string): string[] {
  const family = kind === 'REST' ? 'rest.' : 'soap.'
  const permissions = normalizePermissions(ids)
  const misplaced = permissions.filter((id) => !id.startsWith(family))
  if (misplaced.length) {
    throw new KeywardError('PERMISSION_UNKNOWN', `${misplaced.slice(0, 3).map((id) => `"${id}"`).join(', ')} ${misplaced.length === 1 ? 'is not a' : 'are not'} ${kind} ${kind === 'REST' ? 'method' : 'operation'}${misplaced.length === 1 ? '' : 's'}.`)
  }
  const outside = permissions.filter((id) => !keyPermissions.has(id))
  if (outside.length) {
    throw new KeywardError(
      'PERMISSION_NOT_IN_KEY',
      `The API key "${keyName}" does not allow ${outside.slice(0, 3).map((id) => `"${id}"`).join(', ')}${outside.length > 3 ? ` and ${outside.length - 3} more` : ''}; a service user can only have permissions of its key.`,
    )
  }
  return permissions
}
