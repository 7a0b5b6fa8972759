import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { issuerOf, signJwt } from '../../../src/core/tokens/jwt'
import { addAdmin, backends, describeName, startTestServer, testClock, type Target, type TestServer } from '../../helpers/server'
import { opWriter, signingKey } from '../../helpers/sync'
import type { SyncOp } from '../../../src/shared/sync'
import { KeyVerifyResult } from '../../../src/shared/server-api'
import { GATEWAY_CACHE_MS, GATEWAY_STALE_MS } from '../../../src/server/http/auth'

describe.each(backends)('gateway API', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)

    let t: TestServer
    let target: Target
    let clock: ReturnType<typeof testClock>
    let device: string
    afterEach(async () => {
      await t?.close()
      await target?.cleanup()
    })

    const start = async (overrides = {}) => {
      clock = testClock()
      target = await backend.fresh()
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0, usageFlushMs: 3_600_000, ...overrides })
      await addAdmin(t)
      device = await t.token()
    }
    const gateway = async (scopes: string[] = ['keys.verify', 'tokens.introspect']) => {
      const r = await t.request('POST', '/v1/gateway-tokens', { token: device, body: { name: `gw ${scopes.join(',')}`, scopes } })
      expect(r.status).toBe(201)
      return r.body.value.token as string
    }
    const push = async (ops: SyncOp[]) => {
      const r = await t.request('POST', '/v1/sync/push', { token: device, body: { ops } })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return r.body.value
    }
    const verify = async (gw: string, body: Record<string, unknown>) => {
      const r = await t.request('POST', '/v1/keys/verify', { token: gw, body })
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      return r.body.value
    }
    /** A collection with a gold client, an active licence and one key. */
    const seed = async (keyFields = {}) => {
      const w = opWriter()
      const collection = randomUUID()
      const client = w.client(collection)
      const licence = w.licence(collection, client.id)
      const key = w.key(collection, licence.id, keyFields)
      await push([...client.ops, ...licence.ops, ...key.ops])
      return { w, collection, client, licence, key }
    }

    it('answers every code of the desktop verification from the synced state', async () => {
      await start()
      const gw = await gateway()
      const { w, collection, licence, key } = await seed({ allowed_ips: ['10.0.0.0/8'], permissions: ['rest.orders.read'], rate_limit_per_minute: 2 })
      const ok = await verify(gw, { key: key.plaintext, ip: '10.1.2.3', method: 'rest.orders.read' })
      expect(ok).toMatchObject({ code: 'VALID', keyId: key.id, collectionId: collection, licenceId: licence.id, applicationKind: 'erp', permissions: ['rest.orders.read'] })
      expect((await verify(gw, { key: key.plaintext, ip: '192.168.0.1' })).code).toBe('IP_NOT_ALLOWED')
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1', method: 'rest.orders.delete' })).code).toBe('FORBIDDEN_METHOD')
      // the shared VALID answer goes out as the same JSON every time
      const again = await t.request('POST', '/v1/keys/verify', { token: gw, body: { key: key.plaintext, ip: '10.0.0.1' } })
      expect(again.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(again.body).toEqual({ ok: true, value: ok })
      const limited = await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })
      expect(limited.code).toBe('RATE_LIMITED')
      expect(limited.retryAfterMs).toBeGreaterThan(0)
      expect((await verify(gw, { key: 'erp_live_short' })).code).toBe('MALFORMED')
      const typo = key.plaintext.slice(0, -1) + (key.plaintext.endsWith('A') ? 'B' : 'A')
      expect((await verify(gw, { key: typo })).code).toBe('BAD_CHECKSUM')
      const other = w.key(collection, licence.id)
      expect((await verify(gw, { key: other.plaintext })).code).toBe('NOT_FOUND')

      w.tick()
      await push(w.write('licences', licence.id, collection, { status: 'inactive' }))
      clock.advance(120_000)
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('LICENCE_INACTIVE')
      w.tick()
      await push(w.write('licences', licence.id, collection, { status: 'active' }))
      await push(w.write('api_keys', key.id, collection, { status: 'inactive' }))
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('DISABLED')
      await push(w.write('api_keys', key.id, collection, { status: 'active', expires_at: new Date(clock.now().getTime() - 1).toISOString() }))
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('EXPIRED')
      await push(w.write('api_keys', key.id, collection, { expires_at: null, status: 'revoked' }))
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('REVOKED')
      // revoked is terminal: a later edit to active does not bring it back
      w.tick(60_000)
      const revive = await push(w.write('api_keys', key.id, collection, { status: 'active' }))
      expect(revive.outcomes[0].status).toBe('stale')
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('REVOKED')
      // a tombstone removes it
      await push(w.write('api_keys', key.id, collection, { deleted_at: clock.now().toISOString() }))
      expect((await verify(gw, { key: key.plaintext, ip: '10.0.0.1' })).code).toBe('NOT_FOUND')
    })

    it('rotation grace: the old key verifies until grace_until, then EXPIRED', async () => {
      await start()
      const gw = await gateway(['keys.verify'])
      const { w, collection, key } = await seed()
      const graceEnd = new Date(clock.now().getTime() + 3_600_000).toISOString()
      w.tick()
      await push(w.write('api_keys', key.id, collection, { grace_until: graceEnd }))
      expect(await verify(gw, { key: key.plaintext })).toMatchObject({ code: 'VALID', validUntil: graceEnd })
      clock.advance(3_600_000)
      expect((await verify(gw, { key: key.plaintext })).code).toBe('EXPIRED')
    })

    it('enforces the gateway token and its scopes', async () => {
      await start()
      const { key } = await seed()
      const body = { key: key.plaintext }
      expect((await t.request('POST', '/v1/keys/verify', { body })).body.error.code).toBe('UNAUTHORIZED')
      const asDevice = await t.request('POST', '/v1/keys/verify', { token: device, body })
      expect([asDevice.status, asDevice.body.error.code]).toEqual([403, 'FORBIDDEN'])
      const introspectOnly = await gateway(['tokens.introspect'])
      const noScope = await t.request('POST', '/v1/keys/verify', { token: introspectOnly, body })
      expect([noScope.status, noScope.body.error.code]).toEqual([403, 'FORBIDDEN'])
      const verifyOnly = await gateway(['keys.verify'])
      const noIntrospect = await t.request('POST', '/v1/tokens/introspect', { token: verifyOnly, body: { token: 'a.b.c' } })
      expect([noIntrospect.status, noIntrospect.body.error.code]).toEqual([403, 'FORBIDDEN'])
      expect((await verify(verifyOnly, body)).code).toBe('VALID')
      const list = await t.request('GET', '/v1/gateway-tokens', { token: device })
      const id = list.body.value.gatewayTokens.find((g: { scopes: string[] }) => g.scopes.length === 1 && g.scopes[0] === 'keys.verify').id
      expect((await t.request('POST', `/v1/gateway-tokens/${id}/revoke`, { token: device, body: {} })).status).toBe(200)
      const revoked = await t.request('POST', '/v1/keys/verify', { token: verifyOnly, body })
      expect([revoked.status, revoked.body.error.code]).toEqual([401, 'TOKEN_REVOKED'])
      const foreign = await t.request('POST', '/v1/keys/verify', { token: 'kwg_' + 'A'.repeat(43), body })
      expect([foreign.status, foreign.body.error.code]).toEqual([401, 'UNAUTHORIZED'])
    })

    it('refuses bad verify input with a coded 400', async () => {
      await start()
      const gw = await gateway()
      for (const body of [{}, { key: 5 }, { key: 'x', extra: true }, { key: 'x'.repeat(300) }, { key: 'x', ip: '' }]) {
        const r = await t.request('POST', '/v1/keys/verify', { token: gw, body })
        expect([r.status, r.body.error.code], JSON.stringify(body)).toEqual([400, 'INVALID_INPUT'])
      }
      const bad = await t.request('POST', '/v1/keys/verify', { token: gw, body: '{"key":', headers: { 'content-type': 'application/json' } })
      expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT'])
    })

    it('records usage off the hot path and rebuilds the index from the database on restart', async () => {
      await start()
      const gw = await gateway()
      const { key } = await seed()
      for (let i = 0; i < 3; i++) expect((await verify(gw, { key: key.plaintext })).code).toBe('VALID')
      expect(await target.sql('SELECT * FROM key_usage')).toEqual([])
      expect(await t.server.sync.usage.flush()).toBe(1)
      const [row] = await target.sql<{ key_id: string; use_count: number | string }>('SELECT key_id, use_count FROM key_usage')
      expect([row!.key_id, Number(row!.use_count)]).toEqual([key.id, 3])
      await t.close()
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
      expect(t.server.sync.index.size).toBe(1)
      expect((await verify(gw, { key: key.plaintext })).code).toBe('VALID')
    })

    it('writes the usage of many keys in multi-row statements and adds up across flushes', async () => {
      await start()
      const gw = await gateway(['keys.verify'])
      const { w, collection, licence } = await seed()
      // more keys than one statement holds (300), each its own application so all stay active
      const keys = Array.from({ length: 320 }, (_, i) => w.key(collection, licence.id, { application_id: `app${i}` }))
      const ops = keys.flatMap((k) => k.ops)
      for (let i = 0; i < ops.length; i += 1000) await push(ops.slice(i, i + 1000))
      for (const k of keys) expect((await verify(gw, { key: k.plaintext })).code).toBe('VALID')
      expect((await verify(gw, { key: keys[0]!.plaintext })).code).toBe('VALID')
      expect(await t.server.sync.usage.flush()).toBe(320)
      expect((await verify(gw, { key: keys[0]!.plaintext })).code).toBe('VALID')
      expect(await t.server.sync.usage.flush()).toBe(1)
      const rows = await target.sql<{ key_id: string; use_count: number | string }>('SELECT key_id, use_count FROM key_usage')
      const counts = new Map(rows.map((r) => [r.key_id, Number(r.use_count)]))
      expect(counts.size).toBe(320)
      expect(counts.get(keys[0]!.id)).toBe(3)
      expect(keys.slice(1).every((k) => counts.get(k.id) === 1)).toBe(true)
    })

    it('introspects EdDSA tokens against the collection keys and publishes the JWKS', async () => {
      await start()
      const gw = await gateway()
      const { w, collection, key } = await seed()
      const sk = await signingKey()
      const skId = randomUUID()
      await push(w.write('token_signing_keys', skId, collection, { kid: sk.kid, public_jwk: JSON.stringify(sk.publicJwk), created_at: clock.now().toISOString(), retired_at: null, not_after: null }))
      const jwks = await t.request('GET', `/v1/collections/${collection}/jwks.json`, { token: gw })
      expect(jwks.status).toBe(200)
      expect(jwks.body).toEqual({ keys: [sk.publicJwk] })
      expect((await t.request('GET', `/v1/collections/${randomUUID()}/jwks.json`, { token: gw })).body.error.code).toBe('COLLECTION_UNKNOWN')

      const jti = randomUUID()
      const iat = Math.floor(clock.now().getTime() / 1000)
      const claims = { iss: issuerOf('inst'), sub: randomUUID(), aud: collection, client_id: 'cid_1', scope: 'rest.orders.read', iat, exp: iat + 3600, jti }
      const jwt = signJwt({ alg: 'EdDSA', typ: 'JWT', kid: sk.kid }, claims, sk.privateKey)
      const introspect = async (token: string) => (await t.request('POST', '/v1/tokens/introspect', { token: gw, body: { token } })).body
      // not synced yet: unknown jti
      expect(await introspect(jwt)).toEqual({ active: false })
      await push(w.write('tokens', jti, collection, { user_id: claims.sub, key_id: key.id, signing_key_id: skId, audience: collection, scope: claims.scope, issued_at: clock.now().toISOString(), expires_at: new Date((iat + 3600) * 1000).toISOString(), revoked_at: null }))
      expect(await introspect(jwt)).toEqual({ active: true, ...claims, token_type: 'Bearer', collection_id: collection })
      const forged = signJwt({ alg: 'EdDSA', typ: 'JWT', kid: sk.kid }, { ...claims, scope: 'everything' }, (await signingKey()).privateKey)
      expect(await introspect(forged)).toEqual({ active: false })
      expect(await introspect('not-a-jwt')).toEqual({ active: false })
      clock.advance(3_601_000)
      expect(await introspect(jwt)).toEqual({ active: false })
      clock.advance(-3_601_000)
      w.tick()
      await push(w.write('tokens', jti, collection, { revoked_at: clock.now().toISOString() }))
      expect(await introspect(jwt)).toEqual({ active: false })
    })

    it('publishes the JWKS without credentials, cacheable, rate-limited per address', async () => {
      await start({ jwksRequestsPerMinute: 3 })
      const { w, collection } = await seed()
      const sk = await signingKey()
      await push(w.write('token_signing_keys', randomUUID(), collection, { kid: sk.kid, public_jwk: JSON.stringify(sk.publicJwk), created_at: clock.now().toISOString(), retired_at: null, not_after: null }))
      const anonymous = await t.request('GET', `/v1/collections/${collection}/jwks.json`, { remoteAddress: '10.0.0.1' })
      expect(anonymous.status).toBe(200)
      expect(anonymous.body).toEqual({ keys: [sk.publicJwk] })
      expect(anonymous.headers['cache-control']).toBe('public, max-age=60')
      // public key material only: no private part, no secret field of the signing key
      expect(JSON.stringify(anonymous.body)).not.toMatch(/"d"|private_key|kws1\./)
      // a credential is not needed, and a wrong one does not matter
      expect((await t.request('GET', `/v1/collections/${collection}/jwks.json`, { token: 'kwg_' + 'A'.repeat(43), remoteAddress: '10.0.0.1' })).status).toBe(200)
      const unknown = await t.request('GET', `/v1/collections/${randomUUID()}/jwks.json`, { remoteAddress: '10.0.0.1' })
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'COLLECTION_UNKNOWN'])
      const limited = await t.request('GET', `/v1/collections/${collection}/jwks.json`, { remoteAddress: '10.0.0.1' })
      expect([limited.status, limited.body.error.code]).toEqual([429, 'REQUEST_RATE_LIMITED'])
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
      // another address has its own allowance; a bad id is still a coded 400
      expect((await t.request('GET', `/v1/collections/${collection}/jwks.json`, { remoteAddress: '10.0.0.2' })).status).toBe(200)
      const bad = await t.request('GET', '/v1/collections/not-a-uuid/jwks.json', { remoteAddress: '10.0.0.3' })
      expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_INPUT'])
      // other gateway routes still need a token
      expect((await t.request('POST', '/v1/tokens/introspect', { body: { token: 'a.b.c' } })).status).toBe(401)
    })

    it('answers verify from cached gateway tokens, re-reading them in the background, and honours revocation at once', async () => {
      await start()
      const gw = await gateway(['keys.verify'])
      const { key } = await seed()
      expect(KeyVerifyResult.safeParse(await verify(gw, { key: key.plaintext })).success).toBe(true)
      const list = await t.request('GET', '/v1/gateway-tokens', { token: device })
      const id = list.body.value.gatewayTokens[0].id as string
      // revoked behind the instance's back (another instance over the same database)
      await target.sql('UPDATE gateway_tokens SET revoked_at = ? WHERE id = ?', [clock.now().toISOString(), id])
      expect((await verify(gw, { key: key.plaintext })).code).toBe('VALID')
      // once the entry is stale, the next request is still answered from it and starts a re-read
      clock.advance(GATEWAY_CACHE_MS)
      expect((await verify(gw, { key: key.plaintext })).code).toBe('VALID')
      await new Promise((r) => setTimeout(r, 50))
      const after = await t.request('POST', '/v1/keys/verify', { token: gw, body: { key: key.plaintext } })
      expect([after.status, after.body.error.code]).toEqual([401, 'TOKEN_REVOKED'])
      // a revocation through this instance takes effect on the next request
      const gw2 = await gateway(['keys.verify'])
      expect((await verify(gw2, { key: key.plaintext })).code).toBe('VALID')
      const id2 = (await t.request('GET', '/v1/gateway-tokens', { token: device })).body.value.gatewayTokens.find((g: { id: string }) => g.id !== id).id
      expect((await t.request('POST', `/v1/gateway-tokens/${id2}/revoke`, { token: device, body: {} })).status).toBe(200)
      expect((await t.request('POST', '/v1/keys/verify', { token: gw2, body: { key: key.plaintext } })).body.error.code).toBe('TOKEN_REVOKED')
      // an entry older than GATEWAY_STALE_MS is not answered from: the request reads the token itself
      const gw3 = await gateway(['keys.verify'])
      expect((await verify(gw3, { key: key.plaintext })).code).toBe('VALID')
      const id3 = (await t.request('GET', '/v1/gateway-tokens', { token: device })).body.value.gatewayTokens.find((g: { revokedAt: string | null }) => g.revokedAt === null).id
      await target.sql('UPDATE gateway_tokens SET revoked_at = ? WHERE id = ?', [clock.now().toISOString(), id3])
      clock.advance(GATEWAY_STALE_MS)
      expect((await t.request('POST', '/v1/keys/verify', { token: gw3, body: { key: key.plaintext } })).body.error.code).toBe('TOKEN_REVOKED')
    })

    it('never stores or logs a plaintext key', async () => {
      await start()
      const gw = await gateway()
      const seeded = await Promise.all([seed(), seed(), seed()])
      for (const s of seeded) expect((await verify(gw, { key: s.key.plaintext })).code).toBe('VALID')
      await t.server.sync.usage.flush()
      // a plaintext key sent in any field is refused and never stored
      const s0 = seeded[0]!
      const leak = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: s0.w.write('api_keys', s0.key.id, s0.collection, { description: `copy of ${s0.key.plaintext}` }) } })
      expect([leak.status, leak.body.error.code]).toEqual([422, 'SECRET_IN_CLEAR'])
      const clearSecret = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: s0.w.write('api_keys', s0.key.id, s0.collection, { secret: s0.key.plaintext }) } })
      expect(clearSecret.status).toBe(400)
      await t.close()
      const rows = await target.sql<Record<string, unknown>>('SELECT * FROM changes')
      const dump = JSON.stringify(rows) + JSON.stringify(await target.sql('SELECT * FROM entity_fields')) + JSON.stringify(await target.sql('SELECT * FROM ops'))
      const files = backend.name === 'sqlite' ? readdirSync(target.dataDir).map((f) => readFileSync(join(target.dataDir, f)).toString('latin1')) : []
      for (const s of seeded) {
        expect(dump).toContain(s.key.ops.find((o) => o.field === 'digest')!.value)
        expect(dump).not.toContain(s.key.plaintext)
        for (const f of files) expect(f.includes(s.key.plaintext)).toBe(false)
        expect(t.logs()).not.toContain(s.key.plaintext)
        expect(t.logs()).not.toContain(s.key.plaintext.slice(9, 41))
      }
      t = await startTestServer(target, { now: clock.now, syncTailMs: 0 })
    })
  })
})
