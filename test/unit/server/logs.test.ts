import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPinoLogger } from '../../../src/core/logger'
import { SERVER_KEY_FILE } from '../../../src/server/secrets/server-key'
import { addAdmin, backends, describeName, PASSWORD, startTestServer, type Target, type TestServer } from '../../helpers/server'

describe.each(backends)('logs', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)
    let t: TestServer
    let target: Target
    afterEach(async () => {
      await t?.close()
      await target?.cleanup()
    })

    it('are structured JSON and never contain a password, token or TOTP secret', async () => {
      target = await backend.fresh()
      t = await startTestServer(target)
      const admin = await addAdmin(t, 'alice', { withTotp: true })
      const totpSecret = new URL(admin.totpUri!).searchParams.get('secret')!
      const { TOTP, Secret } = await import('otpauth')
      const code = new TOTP({ secret: Secret.fromBase32(totpSecret) }).generate()
      await t.login({ password: 'a wrong password 123' })
      expect((await t.login()).body.error.code).toBe('TOTP_REQUIRED')
      const token = (await t.login({ totp: code })).body.value.token as string
      const gateway = (await t.request('POST', '/v1/gateway-tokens', { token, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token as string
      await t.request('GET', '/v1/gateway/self', { token: gateway })
      for (let i = 0; i < 3; i++) expect((await t.request('POST', '/v1/keys/verify', { token: gateway, body: { key: 'erp_live_nothing' } })).status).toBe(200)
      await t.request('GET', '/v1/devices', { token: `${token}x` })
      await t.request('POST', '/v1/auth/login', { body: `{"username":"alice","password":"${PASSWORD}",`, headers: { 'content-type': 'application/json' } })

      const logs = t.logs()
      const lines = logs.trim().split('\n').map((l) => JSON.parse(l) as { msg: string })
      // the log really saw these requests…
      expect(lines.filter((l) => l.msg === 'incoming request').length).toBeGreaterThanOrEqual(7)
      expect(lines.some((l) => l.msg === 'login failed')).toBe(true)
      expect(lines.some((l) => l.msg === 'login succeeded')).toBe(true)
      expect(logs).toContain('/v1/gateway/self')
      // gateway verification traffic is not logged request by request (its errors would be)
      expect(logs).not.toContain('/v1/keys/verify')
      // …and none of the secrets that went through them
      const serverKey = backend.name === 'sqlite' ? readFileSync(join(target.dataDir, SERVER_KEY_FILE), 'utf8').trim() : t.server.serverKey.toString('hex')
      for (const secret of [PASSWORD, 'a wrong password 123', token, token.slice(4), gateway, gateway.slice(4), totpSecret, code, serverKey]) {
        expect(logs.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the log`).toBe(false)
      }
    })
  })
})

describe('the log redaction', () => {
  it('removes authorization headers, passwords and tokens even when code passes them by mistake', () => {
    let out = ''
    const logger = createPinoLogger('info', { write: (s: string) => void (out += s) })
    logger.info({ req: { headers: { authorization: 'Bearer kwd_SECRET1' } }, password: 'SECRET2', body: { password: 'SECRET3', token: 'SECRET4', totp: '123456' } }, 'oops')
    expect(out).toContain('[redacted]')
    for (const s of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', '123456']) expect(out).not.toContain(s)
  })
})
