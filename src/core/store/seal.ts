import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { KeywardError } from '../../shared/errors'

/**
 * AES-256-GCM for secrets inside rows. The row id and column are bound as associated data,
 * so a ciphertext copied into another row or column does not decrypt.
 * Layout: version(1) ‖ iv(12) ‖ tag(16) ‖ ciphertext.
 */
const VERSION = 1

export interface SealContext {
  table: string
  column: string
  rowId: string
}

const aad = (ctx: SealContext) => Buffer.from(`${ctx.table}.${ctx.column}:${ctx.rowId}`)

export function seal(key: Buffer, plaintext: string | Buffer, ctx: SealContext): Buffer {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(ctx))
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body])
}

export function unseal(key: Buffer, sealed: Buffer, ctx: SealContext): Buffer {
  if (sealed.length < 29 || sealed[0] !== VERSION) throw new KeywardError('VAULT_CORRUPT', `A sealed ${ctx.column} value is damaged.`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13)).setAAD(aad(ctx))
    decipher.setAuthTag(sealed.subarray(13, 29))
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()])
  } catch {
    throw new KeywardError('VAULT_CORRUPT', `A sealed ${ctx.column} value does not belong to this row or was altered.`)
  }
}
