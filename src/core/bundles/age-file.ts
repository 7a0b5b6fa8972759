import { armor, Decrypter, Encrypter } from 'age-encryption'
import { KeywardError } from '../../shared/errors'
import { NativeScryptIdentity, NativeScryptRecipient } from './scrypt-stanza'

/**
 * The age layer of a bundle: encrypt to X25519 recipients or a passphrase, and decrypt with
 * every failure turned into its own coded error. Messages never carry the passphrase, an
 * identity or any decrypted byte.
 */
const MAGIC = 'age-encryption.org/v1\n'
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----'

export type AgeMode = 'passphrase' | 'x25519'

export interface AgeEncryption {
  recipients?: string[]
  passphrase?: string
  armor: boolean
  /** scrypt log2(N) for passphrase files; age's default is 18. */
  scryptWorkFactor?: number
}

export async function encryptAge(plaintext: Uint8Array, options: AgeEncryption): Promise<Uint8Array> {
  const e = new Encrypter()
  if (options.passphrase !== undefined) {
    e.addRecipient(new NativeScryptRecipient(options.passphrase, options.scryptWorkFactor))
  } else {
    for (const [i, recipient] of (options.recipients ?? []).entries()) {
      if (!/^age1[02-9ac-hj-np-z]{58}$/.test(recipient)) {
        throw new KeywardError('BUNDLE_RECIPIENT_INVALID', `Recipient ${i + 1} is not an age X25519 recipient (age1 followed by 58 Bech32 characters).`)
      }
      try {
        e.addRecipient(recipient)
      } catch {
        throw new KeywardError('BUNDLE_RECIPIENT_INVALID', `Recipient ${i + 1} (${recipient.slice(0, 12)}…) is not a valid age recipient (bad checksum or key).`)
      }
    }
  }
  let file: Uint8Array
  try {
    file = await e.encrypt(plaintext)
  } catch {
    // Reaching here means a recipient decoded but is not a usable X25519 point.
    throw new KeywardError('BUNDLE_RECIPIENT_INVALID', 'One of the recipients is not a usable age X25519 key.')
  }
  return options.armor ? new TextEncoder().encode(armor.encode(file)) : file
}

export interface AgeDecryption {
  passphrase?: string
  identities?: string[]
}

const truncated = () => new KeywardError('BUNDLE_TRUNCATED', 'The bundle file is incomplete: it ends before the age file does. Ask for the file again.')
const tampered = (where: string) =>
  new KeywardError('BUNDLE_TAMPERED', `The bundle file was altered (${where}): age's authentication fails. Do not use it; ask for the file again.`)

/** True when `text` begins with `prefix`, or is itself a non-empty beginning of it. */
const beginsLike = (text: string, prefix: string) => text.startsWith(prefix) || (text.length > 0 && prefix.startsWith(text))

/** Binary age bytes from a binary or armored file, or a coded refusal. */
function unarmor(file: Uint8Array): Uint8Array {
  const head = new TextDecoder('latin1').decode(file.subarray(0, 64))
  if (beginsLike(head.trimStart(), ARMOR_BEGIN) && head.trim().length > 0) {
    const text = new TextDecoder('latin1').decode(file)
    if (!/-----END AGE ENCRYPTED FILE-----\s*$/.test(text)) throw truncated()
    try {
      return armor.decode(text)
    } catch {
      throw tampered('its ASCII armor is damaged')
    }
  }
  if (head.startsWith(MAGIC)) return file
  if (beginsLike(head, MAGIC)) throw truncated()
  throw new KeywardError('BUNDLE_MALFORMED', 'This is not an age-encrypted Keyward bundle (neither a binary nor an armored age file).')
}

interface HeaderFacts {
  complete: boolean
  stanzaTypes: string[]
}

/** Reads the stanza types of the header without decrypting, to explain failures precisely. */
function readHeader(bytes: Uint8Array): HeaderFacts {
  const stanzaTypes: string[] = []
  let start = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, start)
    if (end < 0) return { complete: false, stanzaTypes }
    const line = new TextDecoder('latin1').decode(bytes.subarray(start, end))
    if (line.startsWith('-> ')) stanzaTypes.push(line.split(' ')[1] ?? '')
    if (line.startsWith('--- ')) return { complete: true, stanzaTypes }
    start = end + 1
  }
}

export interface Decrypted {
  plaintext: Uint8Array
  mode: AgeMode
}

export async function decryptAge(file: Uint8Array, credentials: AgeDecryption): Promise<Decrypted> {
  const bytes = unarmor(file)
  const header = readHeader(bytes)
  if (!header.complete) throw truncated()
  const mode: AgeMode = header.stanzaTypes.includes('scrypt') ? 'passphrase' : 'x25519'
  const identities = credentials.identities ?? []
  if (mode === 'passphrase' && credentials.passphrase === undefined) {
    throw new KeywardError('PASSPHRASE_REQUIRED', 'This bundle is protected by a passphrase; give the passphrase it was exported with.')
  }
  if (mode === 'x25519' && identities.length === 0) {
    throw new KeywardError('BUNDLE_NOT_A_RECIPIENT', 'This bundle is encrypted to age recipients (age1…), not to a passphrase; give the identity (AGE-SECRET-KEY-1…) of one of them.')
  }
  const d = new Decrypter()
  if (mode === 'passphrase') d.addIdentity(new NativeScryptIdentity(credentials.passphrase!))
  for (const [i, identity] of identities.entries()) {
    if (mode === 'passphrase') break
    try {
      d.addIdentity(identity.trim())
    } catch {
      throw new KeywardError('BUNDLE_NOT_A_RECIPIENT', `Identity ${i + 1} is not an age identity (AGE-SECRET-KEY-1…).`)
    }
  }
  try {
    return { plaintext: await d.decrypt(bytes, 'uint8array'), mode }
  } catch (error) {
    const message = error instanceof Error ? error.message : ''
    if (/no identity matched/.test(message)) {
      throw mode === 'passphrase'
        ? new KeywardError('BUNDLE_BAD_PASSPHRASE', 'That passphrase does not open this bundle.')
        : new KeywardError('BUNDLE_NOT_A_RECIPIENT', 'This bundle was not encrypted to any of the given identities.')
    }
    if (/stream ended before reading/.test(message)) throw truncated()
    if (/invalid header HMAC/.test(message)) throw tampered('its header')
    if (/stanza|header|version|non-ASCII|scrypt/.test(message)) throw tampered('its header')
    throw tampered('its encrypted content was altered or cut short')
  }
}
