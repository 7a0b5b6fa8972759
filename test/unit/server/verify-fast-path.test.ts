import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { addAdmin, backends, startTestServer, type Target, type TestServer } from '../../helpers/server'
import { opWriter } from '../../helpers/sync'

/**
 * POST /v1/keys/verify is answered in front of Fastify (src/server/http/verify-fast-path.ts)
 * when it arrives over a socket as a plain JSON request. Every case here goes both ways — over
 * loopback HTTP to the listening server and through Fastify's inject(), which never takes the
 * fast path — and the two answers must be the same: status, body and headers. An onRequest
 * hook counts what Fastify saw, to show which path each request really took.
 */
const sqlite = backends[0]!

interface Raw {
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string
  /** send the body with Transfer-Encoding: chunked (no Content-Length) */
  chunked?: boolean
}

interface Answer {
  status: number
  body: unknown
  headers: Record<string, string | undefined>
}

const COMPARED_HEADERS = ['content-type', 'cache-control', 'x-content-type-options', 'www-authenticate', 'retry-after', 'content-length']
const pick = (headers: Record<string, unknown>) => Object.fromEntries(COMPARED_HEADERS.map((h) => [h, headers[h] === undefined ? undefined : String(headers[h])]))

function overSocket(base: string, r: Raw): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(r.path ?? '/v1/keys/verify', base)
    const headers: Record<string, string> = { ...r.headers }
    if (r.body !== undefined && !r.chunked) headers['content-length'] = String(Buffer.byteLength(r.body))
    const req = httpRequest(url, { method: r.method ?? 'POST', headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: pick(res.headers) }))
    })
    req.on('error', reject)
    if (r.body !== undefined && r.chunked) {
      // two writes before end(): Node sends them as chunks
      req.write(r.body.slice(0, 5))
      req.write(r.body.slice(5))
    } else if (r.body !== undefined) req.write(r.body)
    req.end()
  })
}

describe('keys.verify fast path', () => {
  let t: TestServer | undefined
  let target: Target | undefined
  afterEach(async () => {
    await t?.close()
    await target?.cleanup()
    t = undefined
  })

  /** A listening server with an admin device and a gateway token of the keys.verify scope. */
  async function listeningWithGatewayToken() {
    target = await sqlite.fresh()
    const server = (t = await startTestServer(target, { syncTailMs: 0, usageFlushMs: 3_600_000 }))
    const base = await server.server.listen()
    await addAdmin(server)
    const device = await server.token()
    const gw = (await server.request('POST', '/v1/gateway-tokens', { token: device, body: { name: 'gw', scopes: ['keys.verify'] } })).body.value.token as string
    return { t: server, target, base, device, gw }
  }

  it('answers exactly as the Fastify route does, and hands everything unusual to Fastify', async () => {
    target = await sqlite.fresh()
    t = await startTestServer(target, { syncTailMs: 0, usageFlushMs: 3_600_000, bodyLimit: 16_384 })
    let seenByFastify = 0
    t.server.app.addHook('onRequest', (_request, _reply, done) => {
      seenByFastify++
      done()
    })
    const base = await t.server.listen()
    await addAdmin(t)
    const device = await t.token()
    const gatewayToken = async (scopes: string[]) => {
      const r = await t!.request('POST', '/v1/gateway-tokens', { token: device, body: { name: `gw ${randomUUID()}`, scopes } })
      expect(r.status).toBe(201)
      return r.body.value as { token: string; gatewayToken: { id: string } }
    }
    const gw = (await gatewayToken(['keys.verify'])).token
    const introspectOnly = (await gatewayToken(['tokens.introspect'])).token
    const revoked = await gatewayToken(['keys.verify'])
    expect((await t.request('POST', `/v1/gateway-tokens/${revoked.gatewayToken.id}/revoke`, { token: device })).status).toBe(200)

    const w = opWriter()
    const collection = randomUUID()
    const client = w.client(collection)
    const licence = w.licence(collection, client.id)
    const key = w.key(collection, licence.id, { permissions: ['rest.orders.read'], allowed_ips: ['10.0.0.0/8'] })
    const push = await t.request('POST', '/v1/sync/push', { token: device, body: { ops: [...client.ops, ...licence.ops, ...key.ops] } })
    expect(push.status).toBe(200)
    const unknown = w.key(collection, licence.id)

    const json = { 'content-type': 'application/json' }
    const asGateway = (token = gw) => ({ ...json, authorization: `Bearer ${token}` })
    const verify = (body: unknown, token?: string): Raw => ({ headers: asGateway(token), body: JSON.stringify(body) })

    // [case, request, expected status, expected code, taken by the fast path]
    const cases: [string, Raw, number, string, boolean][] = [
      ['valid key', verify({ key: key.plaintext, ip: '10.1.2.3', method: 'rest.orders.read' }), 200, 'VALID', true],
      ['method not permitted', verify({ key: key.plaintext, ip: '10.1.2.3', method: 'rest.orders.delete' }), 200, 'FORBIDDEN_METHOD', true],
      ['address outside the rules', verify({ key: key.plaintext, ip: '192.168.1.1' }), 200, 'IP_NOT_ALLOWED', true],
      ['unknown key', verify({ key: unknown.plaintext }), 200, 'NOT_FOUND', true],
      ['malformed key', verify({ key: 'erp_live_short' }), 200, 'MALFORMED', true],
      ['charset in the media type', { headers: { ...asGateway(), 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ key: key.plaintext, ip: '10.1.2.3' }) }, 200, 'VALID', true],
      ['no token', { headers: json, body: JSON.stringify({ key: key.plaintext }) }, 401, 'UNAUTHORIZED', true],
      ['not a Keyward token', { headers: { ...json, authorization: 'Bearer nope' }, body: JSON.stringify({ key: key.plaintext }) }, 401, 'UNAUTHORIZED', true],
      ['unknown gateway token', verify({ key: key.plaintext }, `kwg_${'A'.repeat(43)}`), 401, 'UNAUTHORIZED', true],
      ['revoked gateway token', verify({ key: key.plaintext }, revoked.token), 401, 'TOKEN_REVOKED', true],
      ['device token', verify({ key: key.plaintext }, device), 403, 'FORBIDDEN', true],
      ['token without the scope', verify({ key: key.plaintext }, introspectOnly), 403, 'FORBIDDEN', true],
      ['unknown field', verify({ key: key.plaintext, extra: 1 }), 400, 'INVALID_INPUT', true],
      ['wrong type', verify({ key: 42 }), 400, 'INVALID_INPUT', true],
      ['missing key', verify({}), 400, 'INVALID_INPUT', true],
      // body errors come before authentication, on both paths
      ['malformed JSON, no token', { headers: json, body: '{"key":' }, 400, 'INVALID_INPUT', true],
      ['prototype poisoning, no token', { headers: json, body: '{"__proto__":{"admin":true},"key":"x"}' }, 400, 'INVALID_INPUT', true],
      ['constructor poisoning', { headers: asGateway(), body: '{"constructor":{"prototype":{"admin":true}},"key":"x"}' }, 400, 'INVALID_INPUT', true],
      // not the plain case: Fastify answers
      ['other media type', { headers: { ...asGateway(), 'content-type': 'application/xml' }, body: JSON.stringify({ key: key.plaintext }) }, 415, 'UNSUPPORTED_MEDIA_TYPE', false],
      ['body over the limit', verify({ key: key.plaintext, method: 'x'.repeat(20_000) }), 413, 'PAYLOAD_TOO_LARGE', false],
      ['empty body', { headers: asGateway(), body: '' }, 400, 'INVALID_INPUT', false],
      ['query string', { ...verify({ key: key.plaintext }), path: '/v1/keys/verify?debug=1' }, 400, 'INVALID_INPUT', false],
      ['chunked body', { ...verify({ key: key.plaintext, ip: '10.1.2.3' }), chunked: true }, 200, 'VALID', false],
      ['GET', { method: 'GET', headers: asGateway() }, 404, 'NOT_FOUND', false],
    ]

    for (const [name, raw, status, code, fast] of cases) {
      const before = seenByFastify
      const socket = await overSocket(base, raw)
      expect(seenByFastify - before, `${name}: path taken`).toBe(fast ? 0 : 1)
      const injected = await t.server.app.inject({
        method: (raw.method ?? 'POST') as 'POST',
        url: raw.path ?? '/v1/keys/verify',
        headers: raw.headers,
        ...(raw.body === undefined ? {} : { payload: raw.body }),
      })
      const viaFastify: Answer = { status: injected.statusCode, body: injected.json(), headers: pick(injected.headers) }
      expect(socket, name).toEqual(viaFastify)
      expect(socket.status, name).toBe(status)
      const body = socket.body as { ok: boolean; value?: { code: string }; error?: { code: string } }
      expect(body.ok ? body.value!.code : body.error!.code, name).toBe(code)
      expect(socket.headers['cache-control'], name).toBe('no-store')
      expect(socket.headers['x-content-type-options'], name).toBe('nosniff')
    }
    // the key never appears in what the server logged
    expect(t.logs()).not.toContain(key.plaintext)
  })

  it('answers an unexpected failure with INTERNAL and a logged reference, as Fastify does, and goes on serving', async () => {
    const { t, base, gw } = await listeningWithGatewayToken()
    const raw: Raw = { headers: { 'content-type': 'application/json', authorization: `Bearer ${gw}` }, body: JSON.stringify({ key: 'erp_live_x' }) }
    const broken = vi.spyOn(t.server.sync.index, 'verify').mockImplementation(() => {
      throw new Error('index exploded')
    })
    const socket = await overSocket(base, raw)
    const injected = await t.server.app.inject({ method: 'POST', url: '/v1/keys/verify', headers: raw.headers, payload: raw.body })
    const reference = (answer: { error: { message: string } }) => /reference ([0-9a-f-]{36})/.exec(answer.error.message)?.[1]
    for (const [status, body] of [
      [socket.status, socket.body],
      [injected.statusCode, injected.json()],
    ] as const) {
      expect(status).toBe(500)
      expect(body).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
      // the reference in the answer is the one in the log, with the route and the error's first line
      expect(t.logs()).toContain(reference(body as { error: { message: string } })!)
    }
    expect(t.logs()).toContain('index exploded')
    broken.mockRestore()
    expect((await overSocket(base, raw)).body).toEqual({ ok: true, value: { code: 'MALFORMED' } })
  })

  it('counts usage of keys verified on the fast path', async () => {
    const { t, target, base, device, gw } = await listeningWithGatewayToken()
    const w = opWriter()
    const collection = randomUUID()
    const client = w.client(collection)
    const licence = w.licence(collection, client.id)
    const key = w.key(collection, licence.id)
    expect((await t.request('POST', '/v1/sync/push', { token: device, body: { ops: [...client.ops, ...licence.ops, ...key.ops] } })).status).toBe(200)
    for (let i = 0; i < 3; i++) {
      const r = await overSocket(base, { headers: { 'content-type': 'application/json', authorization: `Bearer ${gw}` }, body: JSON.stringify({ key: key.plaintext }) })
      expect((r.body as { value: { code: string } }).value.code).toBe('VALID')
    }
    await t.server.sync.usage.flush()
    const rows = await target.sql<{ use_count: number }>('SELECT use_count FROM key_usage WHERE key_id = ?', [key.id])
    expect(rows).toEqual([{ use_count: 3 }])
  })
})
