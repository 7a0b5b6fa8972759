import { appendFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createPinoLogger } from '../../../src/core/logger'
import { buildServer } from '../../../src/server/server'
import { migrationsDir } from '../../../src/server/store/migrations-dir'
import { addAdmin, backends, describeName, startTestServer, type Target, type TestServer } from '../../helpers/server'
import { tempDir } from '../../helpers/core'

const quiet = () => createPinoLogger('silent')

describe.each(backends)('store, migrations and readiness', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    beforeAll(() => backend.setup(), 120_000)
    afterAll(() => backend.teardown(), 60_000)
    let target: Target
    const servers: TestServer[] = []
    afterEach(async () => {
      for (const s of servers.splice(0)) await s.close()
      await target?.cleanup()
    })
    const start = async (overrides = {}) => {
      const s = await startTestServer(target, overrides)
      servers.push(s)
      return s
    }

    it('records each migration with its hash, is ready, and reopens its data', async () => {
      target = await backend.fresh()
      const t = await start()
      await addAdmin(t)
      const applied = await target.sql<{ version: number; hash: string }>('SELECT version, hash FROM schema_migrations ORDER BY version')
      expect(applied.map((r) => Number(r.version))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      expect(applied.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true)
      const ready = await t.request('GET', '/readyz')
      expect(ready.body).toEqual({ ok: true, value: { status: 'ready', database: backend.name, migrations: 10 } })
      await servers.pop()!.close()
      const again = await start()
      expect((await again.login()).status).toBe(201)
      expect((await target.sql('SELECT version FROM schema_migrations')).length).toBe(10)
    })

    it('refuses to start on a database whose applied migration was edited', async () => {
      target = await backend.fresh()
      const dir = tempDir('kw-migrations-')
      cpSync(migrationsDir(backend.name), dir, { recursive: true })
      servers.push(await startTestServer(target, { migrationsDir: dir }))
      await servers.pop()!.close()
      appendFileSync(join(dir, '0001_accounts.sql'), '\n-- an innocent-looking edit\n')
      await expect(buildServer({ dataDir: target.dataDir, database: target.database, logger: quiet(), migrationsDir: dir })).rejects.toMatchObject({
        code: 'MIGRATION_CHANGED',
        message: expect.stringMatching(/Migration 1 \(accounts\) was edited after it was applied/),
      })
    })

    it('says not ready (503) when a migration is missing, while staying live', async () => {
      target = await backend.fresh()
      const t = await start()
      await target.sql('DELETE FROM schema_migrations WHERE version = 3')
      const ready = await t.request('GET', '/readyz')
      expect([ready.status, ready.body.error.code]).toEqual([503, 'NOT_READY'])
      expect(ready.body.error.message).toMatch(/migration 3 \(sync\) is not applied/)
      expect((await t.request('GET', '/healthz')).body).toEqual({ ok: true, value: { status: 'up' } })
    })

    it('refuses to start with a different server key than the database was set up with', async () => {
      target = await backend.fresh()
      servers.push(await startTestServer(target, { serverKey: Buffer.alloc(32, 1) }))
      await servers.pop()!.close()
      await expect(buildServer({ dataDir: target.dataDir, database: target.database, logger: quiet(), serverKey: Buffer.alloc(32, 2) })).rejects.toMatchObject({ code: 'SERVER_KEY_MISMATCH' })
    })

    it('keeps one unbroken audit chain when two instances write at once', async () => {
      target = await backend.fresh()
      const key = Buffer.alloc(32, 7)
      const a = await start({ serverKey: key })
      // SQLite is one process's file; a second instance only makes sense on PostgreSQL.
      const b = backend.name === 'postgres' ? await start({ serverKey: key }) : a
      await addAdmin(a)
      const [ta, tb] = [await a.token('a'), await b.token('b')]
      const writes = Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? a : b).request('POST', '/v1/gateway-tokens', { token: i % 2 ? ta : tb, body: { name: `gw-${i}`, scopes: ['keys.verify'] } }),
      )
      expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(30).fill(201))
      const chain = await a.request('GET', '/v1/audit/verify', { token: ta })
      expect(chain.body.value).toMatchObject({ ok: true, entries: 33 })
    })

    if (backend.name === 'postgres') {
      it('says not ready when the database goes away, and the process stays up', async () => {
        target = await backend.fresh()
        const t = await start()
        expect((await t.request('GET', '/readyz')).status).toBe(200)
        const url = new URL(target.database!)
        const name = url.pathname.slice(1)
        url.pathname = '/postgres'
        const control = new pg.Client({ connectionString: url.toString() })
        await control.connect()
        try {
          // ALLOW_CONNECTIONS binds superusers too (CONNECTION LIMIT does not).
          await control.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`)
          await control.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name])
          const ready = await t.request('GET', '/readyz')
          expect([ready.status, ready.body.error.code]).toEqual([503, 'NOT_READY'])
          expect(ready.body.error.message).toMatch(/cannot be reached/)
          expect((await t.request('GET', '/healthz')).status).toBe(200)
          await control.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`)
        } finally {
          await control.end()
        }
        // and ready again once it is back
        expect((await t.request('GET', '/readyz')).status).toBe(200)
      })
    }
  })
})
