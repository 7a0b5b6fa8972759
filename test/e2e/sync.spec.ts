import { expect, test, type Locator, type Page } from '@playwright/test'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { PASSWORD } from '../helpers/server'
import { createAdminByCli, killed, startServerProcess, type ServerProcess } from '../helpers/server-process'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { failOnPageProblems } from './helpers/page-problems'
import { makeDataDir, rpcFor, startBridge, type Bridge } from './helpers/bridge'
import { shot } from './helpers/screens'

const STRONG = 'Quartz-lantern-orbit-meadow-71'
const ORGANISATION = 'Harbour-violet-kettle-29-organisation'
const ADMIN = 'syncadmin'

async function pick(page: Page | Locator, field: string | RegExp, option: string): Promise<void> {
  const root = 'page' in page ? page.page() : page
  await page.getByRole('combobox', typeof field === 'string' ? { name: field, exact: true } : { name: field }).click()
  await root.getByRole('option', { name: option, exact: true }).click()
}

const section = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name, exact: true }).click()

async function closeNotifications(page: Page): Promise<void> {
  for (const button of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await button.click().catch(() => undefined)
  await expect(page.locator('.mantine-Notification-root')).toHaveCount(0)
}

/** The core of a bridge, called as its page would: for the second desktop and for set-up. */
const rpc = <T = unknown>(bridge: Bridge, method: string, input: object = {}): Promise<T> => rpcFor(bridge)<T>(method, input)

test.describe('sync with a remote Keyward instance', () => {
  test.use({ actionTimeout: 15_000 })
  failOnPageProblems()

  const desktopA = makeDataDir()
  const desktopB = makeDataDir()
  const serverDir = makeDataDir()
  let server: ServerProcess | undefined
  let bridgeA: Bridge | undefined
  let bridgeB: Bridge | undefined
  test.afterAll(async () => {
    await bridgeA?.stop()
    await bridgeB?.stop()
    if (server) await killed(server.child)
    for (const dir of [desktopA, desktopB, serverDir]) dir.remove()
  })

  test('an administrator connects, previews and runs the first sync, and resolves a conflict', async ({ page }) => {
    test.setTimeout(300_000)

    // --- a real remote instance on loopback, its first admin made by the CLI
    const serverData = join(serverDir.dir, 'data')
    rmSync(serverData, { recursive: true, force: true })
    const admin = createAdminByCli(['--data-dir', serverData], ADMIN, PASSWORD)
    expect(admin.status, admin.stderr).toBe(0)
    const withTotp = createAdminByCli(['--data-dir', serverData], 'totpadmin', PASSWORD, ['--totp'])
    expect(withTotp.status, withTotp.stderr).toBe(0)
    server = await startServerProcess(['--data-dir', serverData, '--host', '127.0.0.1', '--log-level', 'info'])

    // --- desktop A: an empty vault with one licensed collection (set up through its core)
    bridgeA = await startBridge(desktopA.dir)
    await rpc(bridgeA, 'vault.setup', { passphrase: STRONG })
    const region = await rpc<{ id: string }>(bridgeA, 'regions.create', { name: 'eu-west' })
    const dbServer = await rpc<{ id: string }>(bridgeA, 'servers.create', { regionId: region.id, name: 'db-frankfurt-01' })
    const collection = await rpc<{ id: string }>(bridgeA, 'collections.create', { serverId: dbServer.id, name: 'acme-prod' })
    const client = await rpc<{ id: string }>(bridgeA, 'clients.create', { name: 'Acme Corp', tier: 'gold' })
    await rpc(bridgeA, 'licences.create', { clientId: client.id, collectionId: collection.id })

    // The vault set up through the core is open: the page goes straight to the workspace.
    await page.goto(bridgeA.openUrl)
    await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible()
    await pick(page, 'Region', 'eu-west')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-prod')

    // --- a key made in the UI, before sync is set up
    await section(page, 'API keys')
    await page.getByRole('button', { name: 'Add API key' }).first().click()
    const form = page.getByRole('dialog')
    await form.getByRole('textbox', { name: /^Name/ }).fill('Workflow – acme-prod')
    await pick(form, /^Application/, 'Workflow')
    await form.getByRole('button', { name: 'Create key' }).click()
    const created = page.getByRole('dialog', { name: 'API key created' })
    const secret = (await created.getByTestId('issued-secret').textContent())!.trim()
    expect(secret).toMatch(/^wf_live_|^[a-z]+_live_/)
    await created.getByRole('button', { name: 'I have stored the key' }).click()
    await closeNotifications(page)

    // --- without sync the red button only reloads, and offers to set sync up
    await expect(page.getByRole('button', { name: 'Refresh', exact: true })).toBeVisible()
    await page.getByRole('button', { name: 'Set up sync' }).click()
    await expect(page.getByRole('heading', { name: 'Sync', exact: true })).toBeVisible()
    const connect = page.getByRole('form', { name: 'Connect to a sync server' })
    await expect(connect.getByLabel('Device name')).not.toHaveValue('')
    await expect(connect.getByText(/never sent to the server/)).toBeVisible()

    // Bad address and missing fields are caught before anything is sent.
    await connect.getByLabel('Server URL').fill('keyward.example')
    await connect.getByRole('button', { name: 'Connect' }).click()
    await expect(connect.getByText(/Enter the server’s address/)).toBeVisible()
    await expect(connect.getByText('Enter your password.')).toBeVisible()

    // An account with two-factor authentication needs its code: said under the code field.
    await connect.getByLabel('Server URL').fill(server.url)
    await connect.getByLabel('Username').fill('totpadmin')
    await connect.getByLabel(/^Password/).fill(PASSWORD)
    await connect.getByLabel('Organisation passphrase').fill(ORGANISATION)
    await connect.getByRole('button', { name: 'Connect' }).click()
    await expect(connect.getByLabel('Two-factor code')).toHaveAttribute('aria-invalid', 'true')
    await expect(connect.getByText('This account needs the 6-digit code from its authenticator app.')).toBeVisible()

    // A wrong password is refused by the server and shown under the password.
    await connect.getByLabel('Username').fill(ADMIN)
    await connect.getByLabel(/^Password/).fill('not the password at all')
    await connect.getByRole('button', { name: 'Connect' }).click()
    const passwordField = connect.getByLabel(/^Password/)
    await expect(passwordField).toHaveAttribute('data-invalid', 'true')
    await expect(connect.locator('.mantine-PasswordInput-error')).toHaveText(/username, password or one-time code is wrong/)
    await expect(page.getByRole('region', { name: 'Connected' })).toHaveCount(0)
    await expectNoSeriousA11yViolations(page, 'the sync set-up form')
    await shot(page, 'sync-connect-refused')

    await passwordField.fill(PASSWORD)
    await connect.getByRole('button', { name: 'Connect' }).click()
    const connected = page.getByRole('region', { name: 'Connected' })
    await expect(connected).toBeVisible({ timeout: 30_000 })
    await expect(connected.getByText(server.url)).toBeVisible()
    await expect(connected.getByText(ADMIN, { exact: true })).toBeVisible()
    await expect(page.getByRole('region', { name: 'Collections' }).getByText('acme-prod')).toBeVisible()
    await closeNotifications(page)
    await expectNoSeriousA11yViolations(page, 'the sync status')
    await shot(page, 'sync-settings')

    // --- the red button now syncs; the first sync of the collection shows its preview
    await expect(page.getByText('Never synced')).toBeVisible()
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    const preview = page.getByRole('dialog', { name: 'Review the first sync' })
    await expect(preview).toBeVisible({ timeout: 30_000 })
    const organisationScope = preview.getByRole('region', { name: /^Organisation-wide/ })
    await expect(organisationScope.getByRole('region', { name: 'Send to the server' }).getByText('Acme Corp')).toBeVisible()
    const collectionScope = preview.getByRole('region', { name: /^Collection acme-prod/ })
    const toSend = collectionScope.getByRole('region', { name: 'Send to the server' })
    await expect(toSend.getByRole('row').filter({ hasText: 'Workflow – acme-prod' }).getByText('Secret')).toBeVisible()
    await expect(toSend.getByText('Licence of Acme Corp')).toBeVisible()
    await expect(preview.getByText(secret)).toHaveCount(0)
    await expectNoSeriousA11yViolations(page, 'the first-sync preview')
    await shot(page, 'sync-preview', { dialogsToTop: true })
    await preview.getByRole('button', { name: 'Confirm first sync' }).click()
    await expect(preview).toHaveCount(0)

    const summary = page.locator('.mantine-Notification-root').filter({ hasText: 'Sync finished' })
    await expect(summary).toBeVisible({ timeout: 60_000 })
    await expect(summary).toContainText(/[1-9]\d* changes pushed, 0 pulled, 0 conflicts/)
    await expect(page.getByText(/Synced just now/)).toBeVisible()
    await expect(page.getByText('Nothing pending')).toBeVisible()
    await expect(page.getByText(secret)).toHaveCount(0)
    await shot(page, 'sync-summary', { toasts: true })
    await closeNotifications(page)
    expect(server.output()).not.toContain(secret)

    // --- desktop B, another admin's machine, joins and receives everything
    bridgeB = await startBridge(desktopB.dir)
    await rpc(bridgeB, 'vault.setup', { passphrase: STRONG })
    await rpc(bridgeB, 'sync.configure', { serverUrl: server.url, username: ADMIN, password: PASSWORD, deviceName: 'desktop B', organisationPassphrase: ORGANISATION })
    const previewB = await rpc<{ pull: { label: string }[] }>(bridgeB, 'sync.preview', { collectionId: collection.id })
    expect(previewB.pull.map((p) => p.label)).toContain('Workflow – acme-prod')
    await rpc(bridgeB, 'sync.run', { confirmInitial: true })

    // Both desktops issue a Mobile App key on the same licence; B reaches the server first.
    await rpc(bridgeB, 'keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Mobile – from B' })
    await rpc(bridgeB, 'sync.run', { collectionId: collection.id })
    await rpc(bridgeA, 'keys.create', { collectionId: collection.id, applicationKind: 'mobile', name: 'Mobile – from A' })
    // The pending badge follows local edits without a reload.
    await expect(page.getByLabel(/^\d+ changes waiting to be sent$/)).toBeVisible()

    // --- A's sync comes back with a conflict: the shell counts it, the list explains it
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    const withConflict = page.locator('.mantine-Notification-root').filter({ hasText: /1 conflict\b/ })
    await expect(withConflict).toBeVisible({ timeout: 60_000 })
    await withConflict.getByRole('button', { name: 'Review conflicts' }).click()
    await expect(page.getByRole('navigation').getByLabel('1 open sync conflict')).toBeVisible()
    const conflicts = page.getByRole('region', { name: 'Conflicts' })
    const conflictRow = conflicts.getByRole('row').filter({ hasText: 'Mobile – from A' })
    await expect(conflictRow).toBeVisible()
    await expect(conflictRow.getByText('One active key per application')).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the conflicts list')
    await shot(page, 'sync-conflicts')

    await conflictRow.getByRole('button', { name: 'Keep server’s value' }).click()
    await expect(page.getByText('The server’s value is kept.')).toBeVisible()
    await expect(conflicts.getByText('No open conflicts')).toBeVisible()
    await expect(page.getByRole('navigation').getByLabel(/open sync conflict/)).toHaveCount(0)

    // --- a second clash, on ERP: this time the admin removes the cause and applies theirs again
    await closeNotifications(page)
    await rpc(bridgeB, 'keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP – from B' })
    await rpc(bridgeB, 'sync.run', { collectionId: collection.id })
    await rpc(bridgeA, 'keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'ERP – from A' })
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    await expect(page.locator('.mantine-Notification-root').filter({ hasText: /1 conflict\b/ })).toBeVisible({ timeout: 60_000 })
    const erpRow = conflicts.getByRole('row').filter({ hasText: 'ERP – from A' })
    await expect(erpRow.getByText('One active key per application')).toBeVisible()
    await closeNotifications(page)
    // B switches its ERP key off and syncs; A receives that, then sends its own value again
    const erpB = (await rpc<{ id: string; name: string }[]>(bridgeB, 'keys.list', { collectionId: collection.id })).find((k) => k.name === 'ERP – from B')!
    await rpc(bridgeB, 'keys.setStatus', { id: erpB.id, status: 'inactive' })
    await rpc(bridgeB, 'sync.run', { collectionId: collection.id })
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    await expect(page.locator('.mantine-Notification-root').filter({ hasText: 'Sync finished' })).toContainText(/[1-9]\d* pulled, 0 conflicts/, { timeout: 60_000 })
    await closeNotifications(page)
    await erpRow.getByRole('button', { name: 'Apply mine again' }).click()
    await expect(page.getByText('Your value will be sent again with the next sync.')).toBeVisible()
    await expect(conflicts.getByText('No open conflicts')).toBeVisible()
    // the history says how each one was settled
    await conflicts.getByRole('switch', { name: 'Show resolved' }).check()
    await expect(erpRow.getByText(/^Applied mine again/)).toBeVisible()
    await expect(conflictRow.getByText(/^Kept the server’s value/)).toBeVisible()
    await shot(page, 'sync-conflicts-history')
    await closeNotifications(page)
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    const clean = page.locator('.mantine-Notification-root').filter({ hasText: 'Sync finished' })
    await expect(clean).toBeVisible({ timeout: 60_000 })
    await expect(clean).toContainText(/1 change pushed, \d+ pulled, 0 conflicts/)
    await closeNotifications(page)
    // every desktop now holds A's ERP key active and B's inactive
    await rpc(bridgeB, 'sync.run', { collectionId: collection.id })
    for (const bridge of [bridgeA, bridgeB]) {
      const erp = (await rpc<{ name: string; status: string }[]>(bridge, 'keys.list', { collectionId: collection.id })).filter((k) => k.name.startsWith('ERP – from'))
      expect(Object.fromEntries(erp.map((k) => [k.name, k.status]))).toEqual({ 'ERP – from A': 'active', 'ERP – from B': 'inactive' })
    }

    // --- the server goes away: the run stops early, says why, and the edit stays queued
    await killed(server.child)
    const keys = await rpc<{ id: string; name: string }[]>(bridgeA, 'keys.list', { collectionId: collection.id })
    const workflowKey = keys.find((k) => k.name === 'Workflow – acme-prod')!
    await rpc(bridgeA, 'keys.update', { id: workflowKey.id, description: 'Edited while the server is down' })
    await expect(page.getByLabel(/^\d+ changes waiting to be sent$/)).toBeVisible()
    await page.getByRole('button', { name: 'Sync and refresh' }).click()
    const stopped = page.locator('.mantine-Notification-root').filter({ hasText: 'Sync stopped early' })
    await expect(stopped).toBeVisible({ timeout: 60_000 })
    await expect(stopped).toContainText(/could not be reached|did not answer/)
    await expect(page.getByRole('region', { name: 'Connected' }).getByText('Unreachable')).toBeVisible()
    await expect(page.getByLabel(/^\d+ changes waiting to be sent$/)).toBeVisible()
    await closeNotifications(page)

    // --- disconnect asks first, then forgets the device; local data stays
    await page.getByRole('button', { name: 'Disconnect' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click()
    await expect(page.getByRole('form', { name: 'Connect to a sync server' })).toBeVisible()
    await section(page, 'API keys')
    await expect(page.getByText('Workflow – acme-prod')).toBeVisible()
  })
})
