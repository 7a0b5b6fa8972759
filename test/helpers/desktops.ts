import type { KeywardOptions } from '../../src/core/app'
import { addAdmin, backends, PASSWORD, startTestServer, type TestServer } from './server'
import { openCore, type TestCore } from './core'

export const ORG_PASSPHRASE = 'our organisation passphrase 2026'

/** A real server (SQLite, in process) listening on 127.0.0.1, with one admin. */
export async function syncServer(): Promise<{ t: TestServer; url: string; close(): Promise<void> }> {
  const target = await backends[0]!.fresh()
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
