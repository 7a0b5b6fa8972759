import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { addAdmin, backends, describeName, startTestServer, type Target, type TestServer } from '../../helpers/server'

const UNKNOWN_ID = '01890a5d-ac96-774b-bcce-b302099a8057'

describe.each(backends)('bad input', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)
    let t: TestServer
    let target: Target
    let token: string
    afterEach(async () => {
      await t?.close()
      await target?.cleanup()
    })

    const snapshot = async () => ({
      admins: await target.sql('SELECT * FROM admins ORDER BY id'),
      devices: await target.sql('SELECT * FROM devices ORDER BY id'),
      gateway: await target.sql('SELECT * FROM gateway_tokens ORDER BY id'),
      audit: await target.sql('SELECT seq, hash FROM server_audit ORDER BY seq'),
    })

    it('answers every malformed request with a coded 4xx and changes nothing', async () => {
      target = await backend.fresh()
      t = await startTestServer(target, { bodyLimit: 4096 })
      await addAdmin(t)
      token = await t.token()
      const gateway = (await t.request('POST', '/v1/gateway-tokens', { token, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token as string
      const json = { 'content-type': 'application/json' }
      const cases: { name: string; method: 'GET' | 'POST'; url: string; token?: string; body?: unknown; headers?: Record<string, string>; status: number; code: string }[] = [
        { name: 'malformed JSON', method: 'POST', url: '/v1/auth/login', body: '{"username": "alice",', headers: json, status: 400, code: 'INVALID_INPUT' },
        { name: 'empty JSON body', method: 'POST', url: '/v1/gateway-tokens', token, body: '', headers: json, status: 400, code: 'INVALID_INPUT' },
        { name: 'JSON that is not an object', method: 'POST', url: '/v1/auth/login', body: '[1,2]', headers: json, status: 400, code: 'INVALID_INPUT' },
        { name: 'prototype poisoning', method: 'POST', url: '/v1/gateway-tokens', token, body: '{"name":"x","scopes":["keys.verify"],"__proto__":{"admin":true}}', headers: json, status: 400, code: 'INVALID_INPUT' },
        { name: 'oversized body', method: 'POST', url: '/v1/auth/login', body: { username: 'a', password: 'x'.repeat(5000), deviceName: 'd' }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
        { name: 'not JSON at all', method: 'POST', url: '/v1/auth/login', body: 'username=alice', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
        { name: 'unknown field', method: 'POST', url: '/v1/gateway-tokens', token, body: { name: 'gw2', scopes: ['keys.verify'], admin: true }, status: 400, code: 'INVALID_INPUT' },
        { name: 'wrong type', method: 'POST', url: '/v1/gateway-tokens', token, body: { name: 42, scopes: 'keys.verify' }, status: 400, code: 'INVALID_INPUT' },
        { name: 'unknown scope', method: 'POST', url: '/v1/gateway-tokens', token, body: { name: 'gw2', scopes: ['everything'] }, status: 400, code: 'INVALID_INPUT' },
        { name: 'repeated scope', method: 'POST', url: '/v1/gateway-tokens', token, body: { name: 'gw2', scopes: ['keys.verify', 'keys.verify'] }, status: 400, code: 'INVALID_INPUT' },
        { name: 'missing field', method: 'POST', url: '/v1/auth/login', body: { username: 'alice', password: 'x' }, status: 400, code: 'INVALID_INPUT' },
        { name: 'TOTP that is not 6 digits', method: 'POST', url: '/v1/auth/login', body: { username: 'alice', password: 'x', deviceName: 'd', totp: '12ab56' }, status: 400, code: 'INVALID_INPUT' },
        { name: 'body on a body-less route', method: 'POST', url: `/v1/devices/${UNKNOWN_ID}/revoke`, token, body: { force: true }, status: 400, code: 'INVALID_INPUT' },
        { name: 'malformed id', method: 'POST', url: '/v1/devices/not-an-id/revoke', token, status: 400, code: 'INVALID_INPUT' },
        { name: 'unknown query parameter', method: 'GET', url: '/v1/audit?offset=3', token, status: 400, code: 'INVALID_INPUT' },
        { name: 'query out of range', method: 'GET', url: '/v1/audit?limit=100000', token, status: 400, code: 'INVALID_INPUT' },
        { name: 'unknown route', method: 'GET', url: '/v1/keys', token, status: 404, code: 'NOT_FOUND' },
        { name: 'no token', method: 'POST', url: '/v1/gateway-tokens', body: { name: 'gw2', scopes: ['keys.verify'] }, status: 401, code: 'UNAUTHORIZED' },
        { name: 'not a bearer header', method: 'GET', url: '/v1/devices', headers: { authorization: `Basic ${Buffer.from('alice:x').toString('base64')}` }, status: 401, code: 'UNAUTHORIZED' },
        { name: 'garbage token', method: 'GET', url: '/v1/devices', token: 'hello', status: 401, code: 'UNAUTHORIZED' },
        { name: "another server's token", method: 'GET', url: '/v1/devices', token: `kwd_${'A'.repeat(43)}`, status: 401, code: 'UNAUTHORIZED' },
        { name: 'gateway token on an admin route', method: 'GET', url: '/v1/audit', token: gateway, status: 403, code: 'FORBIDDEN' },
        { name: 'unauthenticated bad body is not validated', method: 'POST', url: '/v1/gateway-tokens', body: { nonsense: 1 }, status: 401, code: 'UNAUTHORIZED' },
      ]
      const before = await snapshot()
      for (const c of cases) {
        const r = await t.request(c.method, c.url, { token: c.token, body: c.body, headers: c.headers })
        expect([c.name, r.status, r.body]).toEqual([c.name, c.status, { ok: false, error: { code: c.code, message: expect.any(String) } }])
      }
      expect(await snapshot()).toEqual(before)
    })
  })
})
