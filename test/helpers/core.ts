import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKeyward, type Keyward, type KeywardOptions } from '../../src/core/app'
import { createInProcessClient, type InProcessClient } from '../../src/core/client'
import { noKeychain } from '../../src/core/vault/keychain'

export const PASSPHRASE = 'correct horse battery staple 42'

export function tempDir(prefix = 'keyward-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface TestCore {
  core: Keyward
  client: InProcessClient
  dir: string
  /** Close the core (and by default remove its directory). */
  close(keepDir?: boolean): Promise<void>
}

/** A real core on a real encrypted SQLite file in a temp dir; no keychain unless given. */
export function makeCore(options: Partial<KeywardOptions> = {}): TestCore {
  const dir = options.dataDir ?? tempDir()
  const core = createKeyward({ keychain: noKeychain('no keychain in this test'), ...options, dataDir: dir })
  const client = createInProcessClient(core, 'test-admin')
  return {
    core,
    client,
    dir,
    async close(keepDir = false) {
      await core.close()
      if (!keepDir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A core with the vault set up and unlocked. */
export async function openCore(options: Partial<KeywardOptions> = {}): Promise<TestCore> {
  const t = makeCore(options)
  await t.client.call('vault.setup', { passphrase: PASSPHRASE })
  return t
}

/** Region → server → collection, the minimum every domain test stands on. */
export async function makeTopology(client: InProcessClient, names = { region: 'eu-west', server: 'db-01', collection: 'acme-prod' }) {
  const region = await client.call('regions.create', { name: names.region })
  const server = await client.call('servers.create', { regionId: region.id, name: names.server })
  const collection = await client.call('collections.create', { serverId: server.id, name: names.collection })
  return { region, server, collection }
}
