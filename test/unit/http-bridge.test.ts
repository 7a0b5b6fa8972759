import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startHttpBridge, type HttpBridge } from '../../src/core/transport/http-bridge'
import { makeCore, PASSPHRASE, tempDir, type TestCore } from '../helpers/core'

let t: TestCore | undefined
let bridge: HttpBridge | undefined
afterEach(async () => {
  await bridge?.close()
  await t?.close()
  bridge = undefined
  t = undefined
})

async function start(options: { bodyLimit?: number } = {}) {
  t = makeCore()
  const rendererDir = tempDir('keyward-renderer-')
  mkdirSync(rendererDir, { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Keyward</title>')
  bridge = await startHttpBridge({ core: t.core, rendererDir, ...options })
  return bridge
}

const rpc = (b: HttpBridge, method: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${b.token}` }) =>
  fetch(`${b.url}rpc/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) })

/** fetch() does not let us forge the Host header; plain http does. */
function rawRequest(b: HttpBridge, host: string): Promise<number> {
  const url = new URL(b.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/rpc/vault.status', method: 'POST', headers: { host, authorization: `Bearer ${b.token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end('{}')
  })
}

describe('the local HTTP bridge', () => {
  it('listens on 127.0.0.1 only and refuses other hosts', async () => {
    const b = await start()
    expect(new URL(b.url).hostname).toBe('127.0.0.1')
    await expect(startHttpBridge({ core: t!.core, host: '0.0.0.0' })).rejects.toThrow(/loopback/)
    expect(b.openUrl).toBe(`${b.url}#token=${b.token}`)
    expect(b.token.length).toBeGreaterThanOrEqual(43)
  })

  it('answers 401 without the bearer token or with a wrong one', async () => {
    const b = await start()
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: b.token }, { authorization: `Bearer ${b.token}x` }] as Record<string, string>[]) {
      const res = await rpc(b, 'vault.status', {}, headers)
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } })
    }
    expect((await fetch(`${b.url}events`)).status).toBe(401)
  })

  it('answers 413 for an oversized body and 400 for a body that is not JSON', async () => {
    const b = await start({ bodyLimit: 64 * 1024 })
    const big = await rpc(b, 'regions.create', { name: 'x'.repeat(70 * 1024) })
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } })
    const broken = await rpc(b, 'regions.create', '{"name":')
    expect(broken.status).toBe(400)
    expect(await broken.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const b = await start()
    expect(await rawRequest(b, 'evil.example:80')).toBe(421)
    expect(await rawRequest(b, new URL(b.url).host)).toBe(200)
  })

  it('reaches the same dispatcher: coded results over HTTP', async () => {
    const b = await start()
    expect(await (await rpc(b, 'vault.setup', { passphrase: PASSPHRASE })).json()).toMatchObject({ ok: true, value: { state: 'unlocked' } })
    const region = await (await rpc(b, 'regions.create', { name: 'eu-west' })).json()
    expect(region).toMatchObject({ ok: true, value: { name: 'eu-west' } })
    expect(await (await rpc(b, 'regions.create', { name: 'eu-west' })).json()).toMatchObject({ ok: false, error: { code: 'NAME_TAKEN' } })
    expect(await (await rpc(b, 'no.such', {})).json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } })
  })

  it('serves the UI with a strict CSP and streams events to a token holder', async () => {
    const b = await start()
    const page = await fetch(b.url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')

    const controller = new AbortController()
    const events = await fetch(`${b.url}events`, { headers: { authorization: `Bearer ${b.token}` }, signal: controller.signal })
    expect(events.headers.get('content-type')).toContain('text/event-stream')
    const reader = events.body!.getReader()
    await rpc(b, 'vault.setup', { passphrase: PASSPHRASE })
    let text = ''
    const deadline = Date.now() + 5000
    while (!text.includes('event: vault.changed') && Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    controller.abort()
    expect(text).toContain('event: vault.changed')
    expect(text).toContain('"state":"unlocked"')
  })
})
