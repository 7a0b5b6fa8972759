import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { KeywardOptions } from '../../src/core/app'
import { addAdmin, backends, PASSWORD, startTestServer, type Backend, type TestServer } from './server'
import { openCore, type TestCore } from './core'

export const ORG_PASSPHRASE = 'our organisation passphrase 2026'

/** A real server (in process, SQLite unless another backend is given) listening on 127.0.0.1, with one admin. */
export async function syncServer(backend: Backend = backends[0]!): Promise<{ t: TestServer; url: string; close(): Promise<void> }> {
  const target = await backend.fresh()
  const t = await startTestServer(target, { syncTailMs: 0 })
  await addAdmin(t)
  const url = await t.server.listen()
  return {
    t,
    url,
    async close() {
      await t.close()
      await target.cleanup()
    },
  }
}

/** A desktop: a real core on its own encrypted store, sync scheduler off unless asked. */
export function desktop(options: Partial<KeywardOptions> = {}): Promise<TestCore> {
  return openCore({ ...options, sync: { intervalMs: 0, organisationCost: 12, requestTimeoutMs: 5_000, ...options.sync } })
}

/** Configures sync on a desktop against `url` as the test admin. */
export function connect(d: TestCore, url: string, deviceName = 'laptop', organisationPassphrase = ORG_PASSPHRASE) {
  return d.client.call('sync.configure', { serverUrl: url, username: 'alice', password: PASSWORD, deviceName, organisationPassphrase })
}

export interface Faults {
  drop: number
  dropAnswer: number
  delay: number
  duplicate: number
  error5xx: number
  clean: number
}

/** Deals `cards` in a random order, reshuffling the whole deck each time it runs out. */
function dealer<T>(cards: T[]): () => T {
  let hand: T[] = []
  return () => {
    if (hand.length === 0) {
      hand = [...cards]
      for (let i = hand.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1))
        ;[hand[i], hand[j]] = [hand[j]!, hand[i]!]
      }
    }
    return hand.pop()!
  }
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a server whose address may change (a restarted
 * process). With `faultRate` > 0 it drops requests, drops answers after the server applied
 * the request, duplicates requests, delays them and answers 503, each in equal parts.
 *
 * The faults are dealt, not rolled: each run of requests as long as the rate's denominator
 * (2 for 0.5, 5 for 0.4) holds exactly its share of faults, at random places, and the faults
 * take the five kinds in a random order, each once in every five. So a test's ratio of faulty
 * requests holds however few requests it makes, and the order still varies from run to run.
 */
export async function forwardingProxy(upstream: string, faultRate = 0) {
  let target = new URL(upstream)
  const faults: Faults = { drop: 0, dropAnswer: 0, delay: 0, duplicate: 0, error5xx: 0, clean: 0 }
  /** Requests passed on untouched: when each arrived in full and when its answer came back. */
  const forwarded: { method: string; path: string; body: string; arrivedAt: number; answeredAt: number }[] = []
  // one deck of requests: the smallest length in which the rate is a whole number of faults
  const deckLength = [1, 2, 3, 4, 5, 10, 20, 100].find((n) => Math.abs(n * faultRate - Math.round(n * faultRate)) < 1e-9) ?? 100
  const faulty = dealer(Array.from({ length: deckLength }, (_, i) => i < Math.round(deckLength * faultRate)))
  const kind = dealer<Exclude<keyof Faults, 'clean'>>(['drop', 'error5xx', 'dropAnswer', 'duplicate', 'delay'])
  const forward = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const r = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }))
        res.on('error', reject)
      })
      r.on('error', reject)
      r.end(body)
    })
  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      const fault = faultRate > 0 && faulty() ? kind() : 'clean'
      faults[fault]++
      try {
        if (fault === 'drop') return req.socket.destroy()
        if (fault === 'error5xx') {
          res.writeHead(503, { 'content-type': 'application/json' })
          return res.end('{"ok":false,"error":{"code":"NOT_READY","message":"proxy"}}')
        }
        if (fault === 'dropAnswer') {
          await forward(req, body)
          return req.socket.destroy()
        }
        if (fault === 'duplicate') await forward(req, body)
        else if (fault === 'delay') await new Promise((r) => setTimeout(r, 20 + Math.random() * 100))
        const arrivedAt = performance.now()
        const answer = await forward(req, body)
        if (fault === 'clean') forwarded.push({ method: req.method!, path: req.url!, body: body.toString(), arrivedAt, answeredAt: performance.now() })
        res.writeHead(answer.status, { 'content-type': 'application/json' })
        res.end(answer.body)
      } catch {
        req.socket.destroy()
      }
    })
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    faults,
    forwarded,
    retarget(url: string) {
      target = new URL(url)
    },
    close: () =>
      new Promise<void>((r) => {
        proxy.close(() => r())
        proxy.closeAllConnections()
      }),
  }
}
