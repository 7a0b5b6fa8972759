import { KEY_MAX_LENGTH, splitKey, verifyKeyFormat } from '../../shared/key-format'
import type { KeyShape } from './scanner'

/**
 * Keyward's own key format (DESIGN §2) as the scanner sees it: a token of the key's shape,
 * not glued to other word characters, whose CRC32 checksum holds (verifyKeyFormat). A random
 * string passes the checksum with probability 62^-6, so hits are almost never false.
 */
export const keywardKeyShape: KeyShape = {
  candidate: /(?<![A-Za-z0-9_])[a-z]{2,8}_(?:live|test)_[0-9A-Za-z]{38}(?![A-Za-z0-9_])/,
  maxLength: KEY_MAX_LENGTH,
  isValid: (candidate) => verifyKeyFormat(candidate) === 'VALID_FORMAT',
  label: (key) => splitKey(key)?.prefix ?? 'unknown',
}
