import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, describeName, PASSWORD, type Target } from '../../helpers/server'
import { createAdminByCli, killed, startServerProcess } from '../../helpers/server-process'

const ROUNDS = 3

async function call(url: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: response.status, body: (await response.json()) as { ok: boolean; value?: any; error?: { code: string } } } // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe.each(backends)('kill -9 of the server', (backend) => {
  describe.skipIf(Boolean(backend.skip))(describeName(backend), () => {
    let target: Target
    beforeAll(async () => {
      await backend.setup()
      target = await backend.fresh()
    }, 120_000)
    afterAll(async () => {
      await target?.cleanup()
      await backend.teardown()
    }, 60_000)

    it(`loses nothing it acknowledged (${ROUNDS} rounds of writes cut off by SIGKILL)`, async () => {
      const storeArgs = ['--data-dir', target.dataDir, ...(target.database ? ['--database', target.database] : [])]
      const created = createAdminByCli(storeArgs, 'alice', PASSWORD)
      expect(created.status, created.stderr).toBe(0)

      const acknowledged = { gatewayTokens: new Set<string>(), devices: new Set<string>() }
      for (let round = 0; round < ROUNDS; round++) {
        const server = await startServerProcess(storeArgs)
        const login = await call(server.url, 'POST', '/v1/auth/login', undefined, { username: 'alice', password: PASSWORD, deviceName: `round ${round}` })
        expect(login.status).toBe(201)
        acknowledged.devices.add(login.body.value.device.id)
        const token = login.body.value.token as string
        const stopAfter = 5 + Math.floor(Math.random() * 25)
        let ackedThisRound = 0
        // four writers in parallel, so the kill lands while other writes are in flight
        const writer = async (w: number) => {
          for (let i = 0; ; i++) {
            const r = await call(server.url, 'POST', '/v1/gateway-tokens', token, { name: `r${round}-w${w}-${i}`, scopes: ['keys.verify'] }).catch(() => undefined)
            if (!r) return
            expect(r.status).toBe(201)
            acknowledged.gatewayTokens.add(r.body.value.gatewayToken.id)
            if (++ackedThisRound >= stopAfter) await killed(server.child)
          }
        }
        await Promise.all([0, 1, 2, 3].map(writer))
        expect(server.child.signalCode).toBe('SIGKILL')

        const again = await startServerProcess(storeArgs)
        try {
          const admin = await call(again.url, 'POST', '/v1/auth/login', undefined, { username: 'alice', password: PASSWORD, deviceName: 'checker' })
          const checker = admin.body.value.token as string
          acknowledged.devices.add(admin.body.value.device.id)
          const tokens = new Set(((await call(again.url, 'GET', '/v1/gateway-tokens', checker)).body.value.gatewayTokens as { id: string }[]).map((g) => g.id))
          for (const id of acknowledged.gatewayTokens) expect(tokens.has(id), `gateway token ${id} was acknowledged but is gone`).toBe(true)
          const devices = new Set(((await call(again.url, 'GET', '/v1/devices', checker)).body.value.devices as { id: string }[]).map((d) => d.id))
          for (const id of acknowledged.devices) expect(devices.has(id), `device ${id} was acknowledged but is gone`).toBe(true)
          // every write and its audit entry committed together: the chain is whole
          expect((await call(again.url, 'GET', '/v1/audit/verify', checker)).body.value).toMatchObject({ ok: true })
          expect((await call(again.url, 'GET', '/readyz')).status).toBe(200)
        } finally {
          await killed(again.child)
        }
      }
      expect(acknowledged.gatewayTokens.size).toBeGreaterThanOrEqual(ROUNDS * 5)
    }, 180_000)
  })
})
