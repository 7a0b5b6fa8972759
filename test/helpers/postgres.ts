import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, listen on loopback and a
 * socket inside that dir only, stopped (bounded wait) and deleted afterwards. Binaries come
 * from $KEYWARD_PG_BIN, Debian's /usr/lib/postgresql/<version>/bin, or the PATH. As root
 * (CI containers) they run as the `postgres` system user, since initdb refuses root.
 */
export type PostgresSupport = { available: true; bin: string } | { available: false; reason: string }

export function postgresSupport(): PostgresSupport {
  // An explicit directory is the only one tried (also how to check the skip/fail paths).
  const candidates: string[] = process.env.KEYWARD_PG_BIN ? [process.env.KEYWARD_PG_BIN] : []
  if (!process.env.KEYWARD_PG_BIN && existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`))
  }
  const onPath = process.env.KEYWARD_PG_BIN ? '' : spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim()
  if (onPath) candidates.push(onPath.replace(/\/initdb$/, ''))
  const bin = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')))
  if (!bin) return { available: false, reason: 'PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian package postgresql-15 or set KEYWARD_PG_BIN' }
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return { available: false, reason: 'running as root but there is no "postgres" system user to run initdb as' }
  }
  return { available: true, bin }
}

export interface PostgresCluster {
  /** postgres://… for a database of this cluster. */
  url(database?: string): string
  /** A fresh, empty database; returns its URL. */
  createDatabase(): Promise<string>
  dropDatabase(name: string): Promise<void>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

const USER = 'keyward'
let counter = 0

export async function startPostgres(): Promise<PostgresCluster> {
  const support = postgresSupport()
  if (!support.available) throw new Error(`Cannot start PostgreSQL: ${support.reason}`)
  const asRoot = process.getuid?.() === 0
  const run = (tool: string, args: string[], timeoutMs: number) => {
    const command = asRoot ? 'runuser' : join(support.bin, tool)
    const argv = asRoot ? ['-u', 'postgres', '--', join(support.bin, tool), ...args] : args
    const result = spawnSync(command, argv, { encoding: 'utf8', timeout: timeoutMs })
    if (result.status !== 0) throw new Error(`${tool} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout || String(result.error)).slice(0, 2000)}`)
  }

  const root = mkdtempSync(join(tmpdir(), 'kwpg-'))
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout)
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout)
    chownSync(root, uid, gid)
  }
  const data = join(root, 'data')
  run('initdb', ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], 60_000)
  const port = await freePort()
  // fsync off: the cluster is thrown away; the tests kill Keyward, never PostgreSQL.
  const options = `-k ${root} -h 127.0.0.1 -p ${port} -F -c max_connections=200`
  run('pg_ctl', ['-D', data, '-l', join(root, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start'], 90_000)

  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop'], 30_000)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
  // If the test process ends without afterAll (a crash), don't leave a server behind.
  process.once('exit', stop)

  const url = (database = 'postgres') => `postgres://${USER}@127.0.0.1:${port}/${database}`
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: url() })
    await client.connect()
    try {
      return await fn(client)
    } finally {
      await client.end()
    }
  }
  return {
    url,
    async createDatabase() {
      const name = `kw_${process.pid}_${++counter}`
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0`))
      return url(name)
    },
    async dropDatabase(name) {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    },
    async stop() {
      process.removeListener('exit', stop)
      stop()
    },
  }
}
