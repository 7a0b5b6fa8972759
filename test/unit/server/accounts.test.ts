import { createHash } from 'node:crypto'
import { Secret, TOTP } from 'otpauth'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_LOGIN_LIMITS } from '../../../src/server/config'
import { addAdmin, ADMIN, backends, describeName, PASSWORD, startTestServer, testClock, type Target, type TestServer } from '../../helpers/server'

describe.each(backends)('accounts and devices', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)

    let t: TestServer
    let target: Target
    const clock = testClock()
    const start = async (overrides = {}) => {
      target = await backend.fresh()
      t = await startTestServer(target, { now: clock.now, ...overrides })
      return t
    }
    afterEach(async () => {
      await t?.close()
      await target?.cleanup()
    })

    it('logs in with username and password and gets a device token that only the device holds', async () => {
      await start()
      await addAdmin(t)
      const r = await t.login({ deviceName: 'Alice laptop' })
      expect(r.status).toBe(201)
      const { token, device } = r.body.value
      expect(token).toMatch(/^kwd_[A-Za-z0-9_-]{43}$/)
      expect(device).toMatchObject({ adminUsername: ADMIN, name: 'Alice laptop', revokedAt: null, current: true })
      const rows = await target.sql<{ token_hash: string }>('SELECT token_hash FROM devices')
      expect(rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }])
      const list = await t.request('GET', '/v1/devices', { token })
      expect(list.status).toBe(200)
      expect(list.body.value.devices).toHaveLength(1)
      expect(JSON.stringify(list.body)).not.toContain(token)
    })

    it('answers a wrong password and an unknown user alike, in comparable time, and creates nothing', async () => {
      await start({ loginLimits: { ...DEFAULT_LOGIN_LIMITS, user: { ...DEFAULT_LOGIN_LIMITS.user, threshold: 100 }, ip: { ...DEFAULT_LOGIN_LIMITS.ip, threshold: 100 } } })
      await addAdmin(t)
      const timed = async (username: string) => {
        const started = performance.now()
        const r = await t.login({ username, password: 'wrong password entirely' })
        return { r, ms: performance.now() - started }
      }
      const known: number[] = []
      const unknown: number[] = []
      for (let i = 0; i < 3; i++) {
        const a = await timed(ADMIN)
        const b = await timed(`nobody${i}`)
        expect(a.r.status).toBe(401)
        expect(b.r.body).toEqual(a.r.body)
        expect(a.r.body.error.code).toBe('LOGIN_FAILED')
        known.push(a.ms)
        unknown.push(b.ms)
      }
      const median = (xs: number[]) => xs.sort((x, y) => x - y)[1]!
      // Without the dummy hash an unknown user answers ~100× faster than Argon2id takes.
      expect(median(unknown) / median(known)).toBeGreaterThan(0.5)
      expect(median(unknown) / median(known)).toBeLessThan(2)
      expect(await target.sql('SELECT id FROM devices')).toEqual([])
    })

    it('requires the TOTP code when the admin has one, accepts ±1 step, and refuses a code used before', async () => {
      await start()
      const admin = await addAdmin(t, ADMIN, { withTotp: true })
      const secret = new URL(admin.totpUri!).searchParams.get('secret')!
      const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' })
      const code = (offsetSteps = 0) => totp.generate({ timestamp: clock.now().getTime() + offsetSteps * 30_000 })

      const stored = await target.sql<{ totp_secret: string }>('SELECT totp_secret FROM admins')
      expect(stored[0]!.totp_secret).not.toContain(secret)
      expect(Buffer.from(stored[0]!.totp_secret, 'base64').toString('latin1')).not.toContain(secret)

      expect((await t.login()).body.error.code).toBe('TOTP_REQUIRED')
      expect((await t.login({ password: 'wrong', totp: code() })).body.error.code).toBe('LOGIN_FAILED')
      expect((await t.login({ totp: code(3) })).body.error.code).toBe('LOGIN_FAILED')
      expect((await t.login({ totp: code(-1) })).status).toBe(201)
      const current = code()
      expect((await t.login({ totp: current })).status).toBe(201)
      const replay = await t.login({ totp: current })
      expect(replay.status).toBe(401)
      expect(replay.body.error.code).toBe('LOGIN_FAILED')
      clock.advance(30_000)
      expect((await t.login({ totp: code() })).status).toBe(201)
      expect(await target.sql('SELECT id FROM devices')).toHaveLength(3)
    })

    it('locks a username after repeated failures, with doubling locks, and audits the lockout', async () => {
      await start()
      await addAdmin(t)
      const policy = DEFAULT_LOGIN_LIMITS.user
      for (let i = 1; i < policy.threshold; i++) expect((await t.login({ password: `guess ${i}` })).body.error.code).toBe('LOGIN_FAILED')
      const locked = await t.login({ password: 'guess last' })
      expect(locked.status).toBe(429)
      expect(locked.body.error.code).toBe('LOGIN_RATE_LIMITED')
      expect(Number(locked.headers['retry-after'])).toBe(policy.baseLockMs / 1000)
      // even the right password is refused while locked, without touching the password hash
      expect((await t.login()).body.error.code).toBe('LOGIN_RATE_LIMITED')
      clock.advance(policy.baseLockMs + 1)
      const again = await t.login({ password: 'one more guess' })
      expect(again.body.error.code).toBe('LOGIN_RATE_LIMITED')
      expect(Number(again.headers['retry-after'])).toBe((policy.baseLockMs * 2) / 1000)
      clock.advance(policy.baseLockMs * 2 + 1)
      expect((await t.login()).status).toBe(201)
      // a success clears the username's count
      expect((await t.login({ password: 'fresh mistake' })).body.error.code).toBe('LOGIN_FAILED')

      const token = await t.token()
      const audit = await t.request('GET', '/v1/audit', { token })
      expect(audit.body.value.entries.filter((e: { action: string }) => e.action === 'admins.lockout')).toHaveLength(1)
    })

    it('locks an address that tries many usernames, and limits the request rate of the login route', async () => {
      await start({ loginLimits: { ...DEFAULT_LOGIN_LIMITS, ip: { ...DEFAULT_LOGIN_LIMITS.ip, threshold: 3 }, requestsPerMinute: 6 } })
      await addAdmin(t)
      for (let i = 0; i < 2; i++) expect((await t.login({ username: `user${i}`, password: 'x' }, '10.0.0.1')).body.error.code).toBe('LOGIN_FAILED')
      expect((await t.login({ username: 'user2', password: 'x' }, '10.0.0.1')).body.error.code).toBe('LOGIN_RATE_LIMITED')
      expect((await t.login({}, '10.0.0.1')).body.error.code).toBe('LOGIN_RATE_LIMITED')
      // another address is unaffected
      expect((await t.login({}, '10.0.0.2')).status).toBe(201)
      // request rate: 6 per minute per address, whatever the outcome
      const statuses: number[] = []
      for (let i = 0; i < 7; i++) statuses.push((await t.login({}, '10.0.0.3')).status)
      expect(statuses).toEqual([201, 201, 201, 201, 201, 201, 429])
    })

    it('revokes a device: its token stops at once, twice is harmless, and it is audited once', async () => {
      await start()
      await addAdmin(t)
      const laptop = await t.token('laptop')
      const desktop = await t.token('desktop')
      const devices = (await t.request('GET', '/v1/devices', { token: desktop })).body.value.devices as { id: string; name: string; current: boolean }[]
      const laptopId = devices.find((d) => d.name === 'laptop')!.id
      expect(devices.find((d) => d.name === 'desktop')!.current).toBe(true)

      const revoked = await t.request('POST', `/v1/devices/${laptopId}/revoke`, { token: desktop })
      expect(revoked.status).toBe(200)
      expect(revoked.body.value.revokedAt).toBe(clock.now().toISOString())
      const refused = await t.request('GET', '/v1/devices', { token: laptop })
      expect(refused.status).toBe(401)
      expect(refused.body.error.code).toBe('TOKEN_REVOKED')
      expect((await t.request('POST', `/v1/devices/${laptopId}/revoke`, { token: desktop })).status).toBe(200)
      const missing = await t.request('POST', '/v1/devices/01890a5d-ac96-774b-bcce-b302099a8057/revoke', { token: desktop })
      expect([missing.status, missing.body.error.code]).toEqual([404, 'DEVICE_NOT_FOUND'])

      const entries = (await t.request('GET', '/v1/audit', { token: desktop })).body.value.entries as { action: string; actor: string; entityId: string }[]
      expect(entries.filter((e) => e.action === 'devices.revoke')).toEqual([expect.objectContaining({ actor: ADMIN, entityId: laptopId })])

      const out = await t.request('POST', '/v1/auth/logout', { token: desktop })
      expect(out.body.value.revokedAt).not.toBeNull()
      expect((await t.request('GET', '/v1/devices', { token: desktop })).body.error.code).toBe('TOKEN_REVOKED')
    })

    it('expires device tokens after their lifetime', async () => {
      await start({ deviceTokenTtlDays: 1 })
      await addAdmin(t)
      const token = await t.token()
      clock.advance(86_400_000 - 1000)
      expect((await t.request('GET', '/v1/devices', { token })).status).toBe(200)
      clock.advance(1000)
      const r = await t.request('GET', '/v1/devices', { token })
      expect([r.status, r.body.error.code, r.headers['www-authenticate']]).toEqual([401, 'TOKEN_EXPIRED', 'Bearer'])
    })

    it('issues gateway tokens to admins only, shows each once, and revokes them', async () => {
      await start()
      await addAdmin(t)
      const token = await t.token()
      const created = await t.request('POST', '/v1/gateway-tokens', { token, body: { name: 'edge-eu', scopes: ['keys.verify'] } })
      expect(created.status).toBe(201)
      const gateway = created.body.value.token as string
      expect(gateway).toMatch(/^kwg_/)
      const list = await t.request('GET', '/v1/gateway-tokens', { token })
      expect(list.body.value.gatewayTokens).toEqual([created.body.value.gatewayToken])
      expect(JSON.stringify(list.body)).not.toContain(gateway)
      expect((await target.sql<{ token_hash: string }>('SELECT token_hash FROM gateway_tokens'))[0]!.token_hash).toBe(createHash('sha256').update(gateway).digest('hex'))

      const self = await t.request('GET', '/v1/gateway/self', { token: gateway })
      expect(self.body.value).toMatchObject({ name: 'edge-eu', scopes: ['keys.verify'] })
      // a gateway can't act as an admin, nor an admin device as a gateway
      const asAdmin = await t.request('POST', '/v1/gateway-tokens', { token: gateway, body: { name: 'sneaky', scopes: ['keys.verify'] } })
      expect([asAdmin.status, asAdmin.body.error.code]).toEqual([403, 'FORBIDDEN'])
      expect((await t.request('GET', '/v1/gateway/self', { token })).status).toBe(403)

      const id = created.body.value.gatewayToken.id
      expect((await t.request('POST', `/v1/gateway-tokens/${id}/revoke`, { token })).body.value.revokedAt).not.toBeNull()
      expect((await t.request('GET', '/v1/gateway/self', { token: gateway })).body.error.code).toBe('TOKEN_REVOKED')
      expect(await target.sql('SELECT id FROM gateway_tokens')).toHaveLength(1)
    })

    it('audits every admin action in a hash chain that detects an edit', async () => {
      await start()
      await addAdmin(t)
      const token = await t.token()
      await t.request('POST', '/v1/gateway-tokens', { token, body: { name: 'gw', scopes: ['keys.verify', 'tokens.introspect'] } })
      const page = await t.request('GET', '/v1/audit?limit=2', { token })
      expect(page.body.value.entries.map((e: { action: string }) => e.action)).toEqual(['admins.create', 'devices.login'])
      const rest = await t.request('GET', `/v1/audit?after=${page.body.value.next}`, { token })
      expect(rest.body.value).toMatchObject({ entries: [{ action: 'gatewayTokens.create', actor: ADMIN, seq: 3 }], next: null })
      expect((await t.request('GET', '/v1/audit/verify', { token })).body.value).toMatchObject({ ok: true, entries: 3 })

      await expect(target.sql("UPDATE server_audit SET actor = 'mallory' WHERE seq = 2")).rejects.toThrow(/append-only/)
      if (backend.name === 'sqlite') await target.sql('DROP TRIGGER server_audit_no_update')
      else await target.sql('DROP TRIGGER server_audit_no_change ON server_audit')
      await target.sql("UPDATE server_audit SET actor = 'mallory' WHERE seq = 2")
      expect((await t.request('GET', '/v1/audit/verify', { token })).body.value).toMatchObject({ ok: false, firstBrokenSeq: 2 })
    })

    it('refuses a second admin with the same name and a weak password', async () => {
      await start()
      await addAdmin(t)
      await expect(addAdmin(t)).rejects.toMatchObject({ code: 'USERNAME_TAKEN' })
      await expect(addAdmin(t, 'bob', { password: 'password1' })).rejects.toMatchObject({ code: 'WEAK_PASSWORD' })
      await expect(addAdmin(t, 'Bob Smith')).rejects.toMatchObject({ code: 'INVALID_INPUT' })
      expect(await target.sql('SELECT username FROM admins')).toEqual([{ username: ADMIN }])
      // usernames are case-insensitive at login
      expect((await t.login({ username: 'ALICE' })).status).toBe(201)
      expect(PASSWORD.length).toBeGreaterThan(12)
    })
  })
})
