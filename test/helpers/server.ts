import { rmSync } from 'node:fs'
import Database from 'better-sqlite3-multiple-ciphers'
import { join } from 'node:path'
import pg from 'pg'
import { createPinoLogger } from '../../src/core/logger'
import { createAdmin } from '../../src/server/accounts/admins'
import type { ServerConfigInput } from '../../src/server/config'
import { buildServer, type KeywardServer } from '../../src/server/server'
import { SQLITE_FILE } from '../../src/server/store/sqlite-driver'
import { postgresSupport, startPostgres, type PostgresCluster } from './postgres'
import { tempDir } from './core'

export const ADMIN = 'alice'
export const PASSWORD = 'correct horse battery staple 42'

/** Where one test's server keeps its data, plus raw SQL on it (to look behind the API). */
export interface Target {
  dataDir: string
  database?: string
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>
  cleanup(): Promise<void>
}

export interface Backend {
  name: 'sqlite' | 'postgres'
  /** Set when this backend can't run here (and isn't required to). */
  skip?: string
  setup(): Promise<void>
  teardown(): Promise<void>
  fresh(): Promise<Target>
}

function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    setup: async () => undefined,
    teardown: async () => undefined,
    async fresh() {
      const dataDir = tempDir('kw-server-')
      return {
        dataDir,
        async sql<T>(query: string, params: unknown[] = []) {
          const db = new Database(join(dataDir, SQLITE_FILE))
          try {
            const statement = db.prepare(query)
            return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[]
          } finally {
            db.close()
          }
        },
        cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
      }
    },
  }
}

/**
 * PostgreSQL runs wherever its binaries are. Missing binaries skip it with the reason —
 * except under CI=true, where the suite must not pass without it, so setup fails instead.
 */
function postgresBackend(): Backend {
  const support = postgresSupport()
  const required = process.env.CI === 'true'
  let cluster: PostgresCluster | undefined
  return {
    name: 'postgres',
    skip: support.available || required ? undefined : support.reason,
    async setup() {
      if (!support.available) throw new Error(`PostgreSQL is required when CI=true: ${support.reason}`)
      cluster = await startPostgres()
    },
    async teardown() {
      await cluster?.stop()
    },
    async fresh() {
      const database = await cluster!.createDatabase()
      const dataDir = tempDir('kw-server-')
      return {
        dataDir,
        database,
        async sql<T>(query: string, params: unknown[] = []) {
          const client = new pg.Client({ connectionString: database })
          await client.connect()
          try {
            let n = 0
            return (await client.query(query.replace(/\?/g, () => `$${++n}`), params)).rows as T[]
          } finally {
            await client.end()
          }
        },
        async cleanup() {
          await cluster!.dropDatabase(new URL(database).pathname.slice(1))
          rmSync(dataDir, { recursive: true, force: true })
        },
      }
    },
  }
}

export const backends: Backend[] = [sqliteBackend(), postgresBackend()]

export function describeName(b: Backend): string {
  if (b.skip) console.warn(`server tests on ${b.name} skipped: ${b.skip}`)
  return b.skip ? `${b.name} (skipped: ${b.skip})` : b.name
}

/** A clock tests can move. */
export function testClock(start = new Date('2026-03-01T12:00:00.000Z')) {
  let now = start.getTime()
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
  }
}

// Response bodies are whatever the server sent; each test's assertions check their shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

export interface TestServer {
  server: KeywardServer
  target: Target
  logs(): string
  request(method: 'GET' | 'POST', url: string, options?: { token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string }): Promise<{ status: number; body: Json; headers: Record<string, unknown> }>
  login(body?: Partial<{ username: string; password: string; totp: string; deviceName: string }>, remoteAddress?: string): Promise<{ status: number; body: Json; headers: Record<string, unknown> }>
  /** Logs in as ADMIN and returns the device token. */
  token(deviceName?: string): Promise<string>
  close(): Promise<void>
}

export async function startTestServer(target: Target, overrides: Partial<ServerConfigInput> = {}): Promise<TestServer> {
  const chunks: string[] = []
  const logger = createPinoLogger('debug', { write: (s: string) => void chunks.push(s) })
  const server = await buildServer({ dataDir: target.dataDir, database: target.database, port: 0, logger, ...overrides })
  const request: TestServer['request'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    const response = await server.app.inject({
      method,
      url,
      headers,
      remoteAddress: options.remoteAddress,
      ...(options.body === undefined ? {} : typeof options.body === 'string' ? { payload: options.body } : { payload: options.body as object }),
    })
    let body: unknown
    try {
      body = response.json()
    } catch {
      body = response.body
    }
    return { status: response.statusCode, body, headers: response.headers }
  }
  const login: TestServer['login'] = (body = {}, remoteAddress) =>
    request('POST', '/v1/auth/login', { body: { username: ADMIN, password: PASSWORD, deviceName: 'laptop', ...body }, remoteAddress })
  return {
    server,
    target,
    logs: () => chunks.join(''),
    request,
    login,
    async token(deviceName = 'laptop') {
      const r = await login({ deviceName })
      if (r.status !== 201) throw new Error(`login failed: ${JSON.stringify(r.body)}`)
      return r.body.value.token as string
    },
    close: () => server.close(),
  }
}

/** The bootstrap the CLI does, straight through the service. */
export async function addAdmin(t: TestServer, username = ADMIN, options: { withTotp?: boolean; password?: string } = {}) {
  const { store, config } = t.server
  return createAdmin(store, t.server.serverKey, config.now, { username, password: options.password ?? PASSWORD, withTotp: options.withTotp ?? false, actor: 'cli' })
}
