import { spawn, type ChildProcessByStdio } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))

export interface Bridge {
  /** http://127.0.0.1:PORT/ */
  url: string
  token: string
  /** The address with `#token=…`, what a person opens. */
  openUrl: string
  dataDir: string
  /** SIGTERM, then wait for the process to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>
}

export function makeDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-e2e-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Starts `keyward serve --ui` on a free port and resolves with the JSON line it prints. */
export async function startBridge(dataDir: string, timeoutMs = 30_000): Promise<Bridge> {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(
    process.execPath,
    ['bin/keyward.js', 'serve', '--ui', '--data-dir', dataDir, '--port', '0', '--json'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KEYWARD_LOG_LEVEL: process.env.KEYWARD_LOG_LEVEL ?? 'warn' } },
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000)
    if (process.env.KEYWARD_E2E_VERBOSE) process.stderr.write(chunk)
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))

  const first = await new Promise<{ url: string; token: string; openUrl: string }>((resolve, reject) => {
    let stdout = ''
    let settled = false
    const timer = setTimeout(() => fail(new Error(`keyward serve printed no address within ${timeoutMs} ms`)), timeoutMs)
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${error.message}\n--- stderr ---\n${stderr}`))
    }
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const newline = stdout.indexOf('\n')
      if (newline < 0 || settled) return
      try {
        const line = JSON.parse(stdout.slice(0, newline)) as { url?: unknown; token?: unknown; openUrl?: unknown }
        if (typeof line.url !== 'string' || typeof line.token !== 'string' || typeof line.openUrl !== 'string') throw new Error('missing fields')
        settled = true
        clearTimeout(timer)
        resolve({ url: line.url, token: line.token, openUrl: line.openUrl })
      } catch (error) {
        fail(new Error(`keyward serve printed an unexpected first line (${(error as Error).message}): ${stdout.slice(0, newline)}`))
      }
    })
    child.once('exit', (code) => fail(new Error(`keyward serve exited with code ${code} before printing its address`)))
  })

  return {
    ...first,
    dataDir,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

export type Rpc = <T = Record<string, unknown>>(method: string, input: unknown) => Promise<T>

/** Calls the bridge as the page does, for fixtures that are not the screen's job; a refusal throws with its code. */
export function rpcFor(bridge: Bridge): Rpc {
  return async <T>(method: string, input: unknown): Promise<T> => {
    const response = await fetch(`${bridge.url}rpc/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bridge.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    })
    const body = (await response.json()) as { ok: boolean; value?: T; error?: { code: string; message: string } }
    if (!body.ok) throw new Error(`${method}: ${body.error?.code} ${body.error?.message}`)
    return body.value as T
  }
}

export interface LicensedCollection {
  region: { id: string }
  server: { id: string }
  collection: { id: string }
  client: { id: string }
}

/** eu-west › db-frankfurt-01 › acme-production, under a master licence of the Gold client Acme Logistics. */
export async function licensedCollection(rpc: Rpc): Promise<LicensedCollection> {
  const region = await rpc<{ id: string }>('regions.create', { name: 'eu-west' })
  const server = await rpc<{ id: string }>('servers.create', { regionId: region.id, name: 'db-frankfurt-01' })
  const collection = await rpc<{ id: string }>('collections.create', { serverId: server.id, name: 'acme-production' })
  const client = await rpc<{ id: string }>('clients.create', { name: 'Acme Logistics', tier: 'gold' })
  await rpc('licences.create', { clientId: client.id, collectionId: collection.id })
  return { region, server, collection, client }
}
