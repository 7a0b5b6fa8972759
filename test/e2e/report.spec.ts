import { expect, test } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { createKeyward } from '../../src/core/app'
import { createInProcessClient } from '../../src/core/client'
import { noKeychain } from '../../src/core/vault/keychain'
import { makeDataDir, startBridge, type Bridge } from './helpers/bridge'

const STRONG = 'Quartz-lantern-orbit-meadow-71'

test.describe('audit report view', () => {
  const data = makeDataDir()
  let bridge: Bridge | undefined
  test.afterAll(async () => {
    await bridge?.stop()
    data.remove()
  })

  test('runs the offline audit, lists the findings and opens the place to fix one', async ({ page }) => {
    // a vault with one key that allows every IP address, made through the core
    const core = createKeyward({ dataDir: data.dir, keychain: noKeychain('e2e') })
    const client = createInProcessClient(core, 'e2e')
    await client.call('vault.setup', { passphrase: STRONG })
    const region = await client.call('regions.create', { name: 'eu-west' })
    const server = await client.call('servers.create', { regionId: region.id, name: 'db-01' })
    const collection = await client.call('collections.create', { serverId: server.id, name: 'acme-prod' })
    const customer = await client.call('clients.create', { name: 'Acme', tier: 'gold' })
    await client.call('licences.create', { clientId: customer.id, collectionId: collection.id })
    const { key } = await client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    await core.close()

    bridge = await startBridge(data.dir)
    await page.goto(bridge.openUrl)
    await page.getByLabel('Master passphrase', { exact: true }).fill(STRONG)
    await page.getByRole('button', { name: 'Unlock', exact: true }).click()
    await page.getByRole('navigation').getByRole('button', { name: 'Audit report', exact: true }).click()
    await page.getByRole('button', { name: 'Run audit' }).click()
    const findings = page.getByRole('table', { name: 'Findings' })
    await expect(findings.getByText('Key "XSS ERP" (ERP, collection acme-prod) allows every IP address')).toBeVisible()
    await expect(findings.getByText('Audit log intact')).toBeVisible()
    mkdirSync('test-results/screens', { recursive: true })
    await page.screenshot({ path: 'test-results/screens/report-view.png', fullPage: true })
    await findings.getByRole('button', { name: `Open /keys/${key.id}` }).click()
    await expect(page.getByRole('navigation').getByRole('button', { name: 'Records', exact: true })).toHaveAttribute('aria-current', 'page')
  })
})
