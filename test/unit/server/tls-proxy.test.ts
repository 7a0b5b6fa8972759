import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createPinoLogger } from '../../../src/core/logger'
import { startConfig } from '../../../src/server/command'
import { DEFAULT_LOGIN_LIMITS } from '../../../src/server/config'
import { buildServer, type KeywardServer } from '../../../src/server/server'
import { tempDir } from '../../helpers/core'
import { addAdmin, backends, PASSWORD, startTestServer, type Target, type TestServer } from '../../helpers/server'

const hasOpenssl = spawnSync('openssl', ['version']).status === 0
const sqlite = backends[0]!

function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`)
  return { cert, key }
}

function getJson(url: string, ca: string, post?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const options = post === undefined ? { ca } : { ca, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(post)) } }
    const req = httpsRequest(url, options, (res) => {
      let data = ''
      res.on('data', (d) => (data += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }))
    })
    req.on('error', reject)
    req.end(post)
  })
}

describe('built-in TLS', () => {
  let server: KeywardServer | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  // openssl ships with ca-certificates on Debian; CI must not silently skip this.
  it.skipIf(!hasOpenssl && process.env.CI !== 'true')('serves HTTPS with --tls-cert/--tls-key and trusts nothing else', async () => {
    const dir = tempDir('kw-tls-')
    const { cert, key } = selfSignedCert(dir)
    const config = startConfig({ dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, tlsCert: cert, tlsKey: key, logLevel: 'silent' }, createPinoLogger('silent'))
    server = await buildServer(config)
    const url = await server.listen()
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const ca = readFileSync(cert, 'utf8')
    expect(await getJson(`${url}/healthz`, ca)).toEqual({ status: 200, body: { ok: true, value: { status: 'up' } } })
    // the keys.verify fast path (in front of Fastify) is served over TLS too
    expect(await getJson(`${url}/v1/keys/verify`, ca, '{"key":"x"}')).toMatchObject({ status: 401, body: { ok: false, error: { code: 'UNAUTHORIZED' } } })
    // an unknown certificate is refused by a client that checks
    await expect(getJson(`${url}/healthz`, '')).rejects.toThrow()
    // plain HTTP on the TLS port gets no API answer
    const plain = await fetch(url.replace('https:', 'http:') + '/healthz').then(
      (r) => r.status,
      () => 'refused',
    )
    expect(plain).not.toBe(200)
  })

  it('needs both the certificate and the key', () => {
    expect(() => startConfig({ dataDir: 'x', host: '127.0.0.1', tlsCert: 'cert.pem', logLevel: 'silent' }, createPinoLogger('silent'))).toThrow(/both --tls-cert and --tls-key/)
  })
})

describe('behind a reverse proxy', () => {
  let t: TestServer
  let target: Target
  afterEach(async () => {
    await t.close()
    await target.cleanup()
  })
  const limits = { ...DEFAULT_LOGIN_LIMITS, ip: { ...DEFAULT_LOGIN_LIMITS.ip, threshold: 2 } }
  const attempt = (username: string, forwardedFor: string) =>
    t.request('POST', '/v1/auth/login', { body: { username, password: 'nope', deviceName: 'd' }, headers: { 'x-forwarded-for': forwardedFor }, remoteAddress: '10.1.1.1' })

  it('with --trust-proxy counts each client address the proxy forwards', async () => {
    target = await sqlite.fresh()
    t = await startTestServer(target, { trustProxy: '10.1.1.1', loginLimits: limits })
    await addAdmin(t)
    expect((await attempt('u1', '203.0.113.5')).body.error.code).toBe('LOGIN_FAILED')
    expect((await attempt('u2', '203.0.113.6')).body.error.code).toBe('LOGIN_FAILED')
    expect((await attempt('u3', '203.0.113.5')).body.error.code).toBe('LOGIN_RATE_LIMITED')
    expect((await attempt('u4', '203.0.113.7')).body.error.code).toBe('LOGIN_FAILED')
    const ok = await t.request('POST', '/v1/auth/login', { body: { username: 'alice', password: PASSWORD, deviceName: 'd' }, headers: { 'x-forwarded-for': '198.51.100.9' }, remoteAddress: '10.1.1.1' })
    expect(ok.status).toBe(201)
    const audit = await target.sql<{ details: string }>("SELECT details FROM server_audit WHERE action = 'devices.login'")
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ ip: '198.51.100.9' })
  })

  it('without it ignores X-Forwarded-For, which anyone can send', async () => {
    target = await sqlite.fresh()
    t = await startTestServer(target, { loginLimits: limits })
    expect((await attempt('u1', '203.0.113.5')).body.error.code).toBe('LOGIN_FAILED')
    expect((await attempt('u2', '203.0.113.6')).body.error.code).toBe('LOGIN_RATE_LIMITED')
  })
})
