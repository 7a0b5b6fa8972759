/**
 * age X25519 recipients (`age1…`, Bech32 of a 32-byte public key), checked without any
 * library so the export wizard can say what is wrong with each pasted line as it is typed.
 * The core still has the last word (BUNDLE_RECIPIENT_INVALID) when it encrypts.
 */
export const MAX_BUNDLE_RECIPIENTS = 20

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
const HRP = 'age'
/** 52 characters of key (256 bits + 4 zero bits) and 6 of checksum. */
const DATA_LENGTH = 58

function polymod(values: number[]): number {
  let check = 1
  for (const value of values) {
    const top = check >>> 25
    check = ((check & 0x1ffffff) << 5) ^ value
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) check ^= GENERATOR[i]!
  }
  return check >>> 0
}

const expandHrp = (hrp: string) => [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)]

/** Why `text` is not an age X25519 recipient, in plain words; null when it is one. */
export function ageRecipientProblem(text: string): string | null {
  const value = text.trim()
  if (/^AGE-SECRET-KEY-1/i.test(value)) return 'This is an age identity (a secret key), not a recipient. Paste the public key (age1…) instead, and keep the identity private.'
  if (!value.toLowerCase().startsWith('age1')) return 'An age recipient starts with “age1”.'
  if (value !== value.toLowerCase()) return 'An age recipient is written in lower case.'
  const data = value.slice(HRP.length + 1)
  if (data.length !== DATA_LENGTH) return `An age recipient is “age1” and ${DATA_LENGTH} more characters; this one has ${data.length}.`
  const values = [...data].map((c) => CHARSET.indexOf(c))
  const bad = [...data].find((_, i) => values[i]! < 0)
  if (bad !== undefined) return `“${bad}” is not a Bech32 character (1, b, i and o are never used).`
  if (polymod([...expandHrp(HRP), ...values]) !== 1) return 'The checksum does not match: a character is mistyped, missing or swapped.'
  // The 4 bits past the 256-bit key must be zero.
  if ((values[DATA_LENGTH - 7]! & 0b1111) !== 0) return 'This does not encode a 32-byte age public key.'
  return null
}

export interface RecipientLine {
  /** 1-based line number in the pasted text. */
  line: number
  value: string
  problem: string | null
}

/** One recipient per line; blank lines and `#` comments (as in age recipient files) are skipped. */
export function parseRecipientLines(text: string): { recipients: string[]; lines: RecipientLine[]; problems: RecipientLine[] } {
  const seen = new Map<string, number>()
  const lines: RecipientLine[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const value = raw.trim()
    if (!value || value.startsWith('#')) return
    const line = index + 1
    let problem = ageRecipientProblem(value)
    const first = seen.get(value)
    if (!problem && first !== undefined) problem = `The same recipient as line ${first}.`
    if (!problem) seen.set(value, line)
    lines.push({ line, value, problem })
  })
  const recipients = lines.filter((l) => !l.problem).map((l) => l.value)
  const problems = lines.filter((l) => l.problem)
  if (recipients.length > MAX_BUNDLE_RECIPIENTS) {
    problems.push({ line: 0, value: '', problem: `At most ${MAX_BUNDLE_RECIPIENTS} recipients per bundle; there are ${recipients.length}.` })
  }
  return { recipients, lines, problems }
}
