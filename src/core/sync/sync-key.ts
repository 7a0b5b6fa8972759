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
 * The nonce of a value sent under operation `opId`: derived from the op id, so a retried
 * operation carries exactly the same body (the server refuses an op id seen with another).
 * A nonce repeats only with its op id, and an op id only ever carries one value (a changed
 * field gets a fresh op id), so no nonce is reused with another plaintext.
 */
export const opNonce = (key: Buffer, opId: string): Buffer => createHmac('sha256', key).update(`keyward-sync-nonce:${opId}`).digest().subarray(0, 12)

export function sealForSync(key: Buffer, plaintext: Buffer, entity: string, id: string, field: string, nonce: Buffer = randomBytes(12)): string {
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
