import { createCipheriv, createDecipheriv, createHmac, randomBytes, scryptSync } from 'node:crypto'
import { KeywardError } from '../../shared/errors'

/**
 * The organisation sync key (DESIGN §6): 256 bits derived on the desktop from the
 * organisation passphrase with scrypt, never sent anywhere. Secret fields leave the desktop
 * only sealed under it (AES-256-GCM, the entity, id and field bound as associated data so a
 * copied ciphertext does not open in another row), as `kws1.<base64url(nonce ‖ ct ‖ tag)>`.
 * The salt is per organisation and not secret (it is kept with the sync settings).
 */
export const SYNC_KEY_PARAMS = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 }

export function deriveSyncKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number; maxmem?: number } = SYNC_KEY_PARAMS): Buffer {
  if (passphrase.length < 12) throw new KeywardError('INVALID_INPUT', 'The organisation passphrase has at least 12 characters.')
  return scryptSync(passphrase.normalize('NFC'), salt, 32, params)
}

const aad = (entity: string, id: string, field: string) => Buffer.from(`keyward-sync:${entity}:${id}:${field}`)

/**
 * The nonce of a value sent under operation `opId`, derived (never random) so that a retried
 * operation carries exactly the same body (the server refuses an op id seen with another).
 * It is an HMAC, under a subkey of the sync key, of the op id, the row/field binding and the
 * plaintext itself (a synthetic IV): even if an op id were ever sent with two values, their
 * nonces would differ, so AES-GCM never sees one nonce with two plaintexts. Equal nonces mean
 * the same op, field and value: the ciphertext then says nothing the op id does not.
 */
export function opNonce(key: Buffer, opId: string, entity: string, id: string, field: string, plaintext: Buffer): Buffer {
  const nonceKey = createHmac('sha256', key).update('keyward-sync-nonce-key').digest()
  return createHmac('sha256', nonceKey)
    .update(`${opId}\n`)
    .update(aad(entity, id, field))
    .update('\n')
    .update(plaintext)
    .digest()
    .subarray(0, 12)
}

/** Seals a value for the wire; under an operation id the nonce is derived (see opNonce), else random. */
export function sealForSync(key: Buffer, plaintext: Buffer, entity: string, id: string, field: string, opId?: string): string {
  const nonce = opId === undefined ? randomBytes(12) : opNonce(key, opId, entity, id, field, plaintext)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(aad(entity, id, field))
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return `kws1.${Buffer.concat([nonce, ct, cipher.getAuthTag()]).toString('base64url')}`
}

export function openFromSync(key: Buffer, sealed: string, entity: string, id: string, field: string): Buffer {
  if (!sealed.startsWith('kws1.')) throw new KeywardError('INVALID_INPUT', 'Not a sealed sync value.')
  const raw = Buffer.from(sealed.slice(5), 'base64url')
  if (raw.length < 28) throw new KeywardError('INVALID_INPUT', 'Not a sealed sync value.')
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
  decipher.setAAD(aad(entity, id, field))
  decipher.setAuthTag(raw.subarray(raw.length - 16))
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()])
  } catch {
    throw new KeywardError('INVALID_INPUT', 'This value was sealed under another organisation passphrase (or was altered).')
  }
}
