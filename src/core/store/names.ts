import { KeywardError } from '../../shared/errors'

const MAX = 64
// Control characters and the Unicode line/paragraph separators have no place in a label.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** Normalises a user-given label, or refuses it with NAME_INVALID saying why. */
export function cleanName(raw: string, what: string): string {
  const name = raw.normalize('NFC').trim()
  if (name.length === 0) throw new KeywardError('NAME_INVALID', `The ${what} name must not be empty.`)
  if (name.length > MAX) throw new KeywardError('NAME_INVALID', `The ${what} name is ${name.length} characters long; the limit is ${MAX}.`)
  if (FORBIDDEN.test(name)) throw new KeywardError('NAME_INVALID', `The ${what} name must not contain control characters or line breaks.`)
  return name
}
