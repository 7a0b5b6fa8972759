import { KeywardError } from '../../shared/errors'
import { normalizeIpRules } from '../../shared/ip-rules'
import { redactKeys } from '../../shared/key-format'

/** Checks of the admin-given fields of a key, shared by keys.create and keys.update. */

export function cleanAllowedIps(entries: readonly string[]): string[] {
  const result = normalizeIpRules(entries)
  if (!result.ok) {
    throw new KeywardError('IP_RULE_INVALID', result.entry === '' ? `Allowed IPs: ${result.reason}.` : `Allowed IP entry ${result.index + 1} ("${redactKeys(result.entry)}") is not valid: ${result.reason}.`)
  }
  return result.rules
}

/** Public URL (seed 001): used in e-mails, so only http(s), absolute, without credentials. */
export function cleanPublicUrl(raw: string): string {
  const text = raw.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new KeywardError('URL_INVALID', `The public URL "${redactKeys(text)}" is not an absolute URL (like https://portal.example.com).`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KeywardError('URL_INVALID', `The public URL must start with http:// or https://, not ${url.protocol}//.`)
  }
  // a user name or password in a URL that ends up in e-mails would be a leaked secret
  if (url.username || url.password) throw new KeywardError('URL_INVALID', 'The public URL must not contain a user name or password.')
  if (!url.hostname) throw new KeywardError('URL_INVALID', 'The public URL needs a host name.')
  return url.toString()
}

/** An expiry must lie in the future (use revoke or deactivate to stop a key now). */
export function cleanExpiry(raw: string, now: Date): string {
  const at = new Date(raw)
  if (Number.isNaN(at.getTime())) throw new KeywardError('KEY_EXPIRY_INVALID', 'The expiry is not a valid date and time.')
  if (at.getTime() <= now.getTime()) throw new KeywardError('KEY_EXPIRY_INVALID', `The expiry ${at.toISOString()} is not in the future; to stop a key now, deactivate or revoke it.`)
  return at.toISOString()
}
