import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Secret } from 'otpauth'
import { afterEach, describe, expect, it } from 'vitest'
import { signingKeyByKid, signingPrivateKey } from '../../../src/core/tokens/signing-keys'
import { totpCodeAt } from '../../../src/core/users/totp'
import { openCore, type TestCore } from '../../helpers/core'
import { testClock } from '../../helpers/keys'
import { capturingLogger } from '../../helpers/logs'
import { storeSnapshot } from '../../helpers/store'
import { makeKeyedCollection, makeUser } from '../../helpers/users'

let t: TestCore
afterEach(async () => t?.close())

const files = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))

/** The forms a secret could take in a file, a log or a row. */
const forms = (secret: string | Buffer) => {
  const b = Buffer.isBuffer(secret) ? secret : Buffer.from(secret)
  return [b, Buffer.from(b.toString('base64')), Buffer.from(b.toString('hex')), Buffer.from(b.toString('base64url'))]
}

describe('service-user secrets never leak', () => {
  it('passwords, TOTP secrets, token values and signing keys are in no file, WAL, log, error, audit entry or row in clear', async () => {
    const log = capturingLogger()
    const clock = testClock('2026-01-15T10:00:15.000Z')
    t = await openCore({ logger: log.logger, clock: clock.clock })
    const { collection, key } = await makeKeyedCollection(t.client)
    const { user, password, totp } = await makeUser(t.client, collection.id, key.id, { authMethod: 'password_totp' })
    const totpSecret = Buffer.from(Secret.fromBase32(totp!.secret).bytes)
    await t.client.call('users.confirmTotp', { id: user.id, code: totpCodeAt(totpSecret, clock.now.getTime()) })
    clock.advance(30_000)
    const creds = { userId: user.id, clientId: user.clientId, password, totp: totpCodeAt(totpSecret, clock.now.getTime()) }
    const { token, info } = await t.client.call('tokens.generate', creds)
    await t.client.call('tokens.reveal', { id: info.id })
    await t.client.call('tokens.verify', { token })
    expect((await t.client.call('tokens.verify', { token: `${token}x` })).code).toBe('BAD_SIGNATURE')
    const reset = await t.client.call('users.resetPassword', { id: user.id })
    const session = t.core.session()
    const signingKey = signingPrivateKey(session, signingKeyByKid(session, info.kid)!).export({ format: 'der', type: 'pkcs8' }).subarray(16)

    // refusals whose input carries a secret
    const errors: string[] = []
    for (const r of [
      await t.client.invoke('tokens.generate', { ...creds, password: reset.password!, totp: '000000' }),
      await t.client.invoke('tokens.generate', { ...creds, password: `${password}x` }),
      await t.client.invoke('users.create', { collectionId: collection.id, keyId: key.id, username: 'second', password: password.slice(0, 8) }),
      await t.client.invoke('users.create', { collectionId: collection.id, keyId: key.id, username: `${password} pasted in the wrong field` }),
      await t.client.invoke('users.confirmTotp', { id: user.id, code: totp!.secret }),
    ]) {
      expect(r.ok).toBe(false)
      if (!r.ok) errors.push(r.error.message)
    }

    const secrets: (string | Buffer)[] = [password, reset.password!, totp!.secret, totpSecret, token, token.split('.')[2]!, signingKey]
    const rows = JSON.stringify(storeSnapshot(t.core))
    const audit = JSON.stringify(await t.client.call('audit.list', { limit: 500 }))
    // while open (WAL in use) and after closing (checkpointed into the main file)
    const scan = () => files(t.dir).map((f) => readFileSync(f))
    const open = scan()
    await t.core.close()
    const closed = scan()
    for (const secret of secrets) {
      for (const form of forms(secret)) {
        for (const bytes of [...open, ...closed]) expect(bytes.includes(form)).toBe(false)
        const text = form.toString('latin1')
        expect(log.text()).not.toContain(text)
        expect(errors.join('\n')).not.toContain(text)
        expect(audit).not.toContain(text)
        expect(rows).not.toContain(text)
      }
    }
    expect(open.length).toBeGreaterThan(1) // the WAL was there to be scanned
    expect(log.text()).toContain('"method":"tokens.generate"') // the log did record the calls
  })
})
