import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { Stanza, type Identity, type Recipient } from 'age-encryption'

/**
 * age's scrypt recipient (age-encryption.org/v1 spec) on Node's native, asynchronous scrypt
 * instead of the library's JavaScript one: about three times faster here and off the event
 * loop, so a passphrase bundle does not freeze the app. Files stay standard age files.
 */
const LABEL = 'age-encryption.org/v1/scrypt'
/** The age library refuses work factors above 2^20 too. */
const MAX_LOG_N = 20

const unpadded = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '')

function decodeUnpadded(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return undefined
  const bytes = Buffer.from(text, 'base64')
  return unpadded(bytes) === text ? bytes : undefined
}

function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN
  return new Promise((resolve, reject) => {
    scrypt(passphrase, Buffer.concat([Buffer.from(LABEL), salt]), 32, { N, r: 8, p: 1, maxmem: 129 * N * 8 + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

const ZERO_NONCE = Buffer.alloc(12)

export class NativeScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN = 18,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16)
    const key = await deriveKey(this.passphrase, salt, this.logN)
    const cipher = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
    const body = Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()])
    key.fill(0)
    return [new Stanza(['scrypt', unpadded(salt), String(this.logN)], body)]
  }
}

export class NativeScryptIdentity implements Identity {
  constructor(private readonly passphrase: string) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const s of stanzas) {
      if (s.args[0] !== 'scrypt') continue
      // The spec: a scrypt stanza must be alone, so a passphrase file has no other readers.
      if (stanzas.length !== 1) throw new Error('scrypt stanza is not the only one in the header')
      const salt = s.args.length === 3 ? decodeUnpadded(s.args[1]!) : undefined
      const logNText = s.args[2] ?? ''
      if (!salt || salt.length !== 16 || !/^[1-9][0-9]?$/.test(logNText) || s.body.length !== 32) throw new Error('invalid scrypt stanza')
      const logN = Number(logNText)
      if (logN > MAX_LOG_N) throw new Error('scrypt work factor is too high')
      const key = await deriveKey(this.passphrase, salt, logN)
      try {
        const decipher = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
        decipher.setAuthTag(s.body.subarray(16))
        return Buffer.concat([decipher.update(s.body.subarray(0, 16)), decipher.final()])
      } catch {
        return null
      } finally {
        key.fill(0)
      }
    }
    return null
  }
}
