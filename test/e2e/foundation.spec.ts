import { expect, test, type Page } from '@playwright/test'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { shot } from './helpers/screens'
import { makeDataDir, startBridge, type Bridge } from './helpers/bridge'

const STRONG = 'Quartz-lantern-orbit-meadow-71'
const WEAK = 'password1234'

async function pick(page: Page, field: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: field, exact: true }).click()
  await page.getByRole('option', { name: option, exact: true }).click()
}

const section = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name, exact: true }).click()

const passphraseField = (page: Page) => page.getByLabel('Master passphrase', { exact: true })

async function unlock(page: Page): Promise<void> {
  await expect(page.getByRole('heading', { name: 'Unlock Keyward' })).toBeVisible()
  await passphraseField(page).fill(STRONG)
  await page.getByRole('button', { name: 'Unlock', exact: true }).click()
  await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible()
}

test.describe('foundation', () => {
  // A CSP violation, an uncaught error or a failed request shows up here, and fails the spec.
  // Only a bridge stopped on purpose may cut the page's connections (until the next page load).
  const problems: string[] = []
  let bridgeStopped = false
  const dropped = /Failed to load resource: net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED|EMPTY_RESPONSE|CONNECTION_RESET)/
  test.beforeEach(({ page }) => {
    problems.length = 0
    bridgeStopped = false
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return
      if (bridgeStopped && dropped.test(message.text())) return
      problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) bridgeStopped = false
    })
  })
  const stop = async (b: Bridge) => {
    bridgeStopped = true
    await b.stop()
  }
  test.afterEach(() => {
    const counts = new Map<string, number>()
    for (const p of problems) counts.set(p, (counts.get(p) ?? 0) + 1)
    expect([...counts].map(([p, n]) => `${n} × ${p}`), 'the page logged errors or warnings').toEqual([])
  })

  let bridge: Bridge | undefined
  const data = makeDataDir()

  test.afterAll(async () => {
    if (bridge) await stop(bridge)
    data.remove()
  })

  test('set up, lock, unlock, lay out the topology and keep the selection after a restart', async ({ page }) => {
    bridge = await startBridge(data.dir)
    await page.goto(bridge.openUrl)

    // The token leaves the address bar at once.
    await expect(page).toHaveURL(bridge.url)

    // --- first run: a weak passphrase is refused, a strong one creates the vault
    await expect(page.getByRole('heading', { name: 'Set up your vault' })).toBeVisible()
    const create = page.getByRole('button', { name: 'Create vault' })
    await passphraseField(page).fill(WEAK)
    await page.getByLabel('Repeat the passphrase').fill(WEAK)
    await expect(page.getByText(/^Strength: (Very weak|Weak|Fair)$/)).toBeVisible()
    await expect(create).toBeDisabled()
    await expect(page.getByText(/Use at least|This is|Add more words|Avoid/).first()).toBeVisible()
    await passphraseField(page).fill(STRONG)
    await page.getByLabel('Repeat the passphrase').fill(`${STRONG}x`)
    await expect(page.getByText('The two passphrases differ.')).toBeVisible()
    await expect(create).toBeDisabled()
    await page.getByLabel('Repeat the passphrase').fill(STRONG)
    await expect(page.getByLabel('accepted')).toBeVisible()
    await expect(create).toBeEnabled()
    await expect(page.getByRole('checkbox', { name: 'Unlock with the OS keychain on this device' })).not.toBeChecked()
    await shot(page, 'setup')
    await create.click()
    // First run offers a sample organisation; this spec lays out its own topology.
    await page.getByRole('button', { name: 'Start empty' }).click()

    // --- unlocked, no region yet: nothing collection-specific
    await expect(page.getByText('Choose a region in the navbar to begin')).toBeVisible()
    await expect(page.getByRole('combobox', { name: 'Server', exact: true })).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Refresh' })).toBeVisible()
    await shot(page, 'region-select')

    // --- lock, then a wrong passphrase is refused inline and kept
    await page.getByRole('button', { name: 'Lock', exact: true }).click()
    await expect(page.getByRole('heading', { name: 'Unlock Keyward' })).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the unlock screen')
    await shot(page, 'unlock')
    await passphraseField(page).fill('not-the-passphrase-at-all')
    await page.getByRole('button', { name: 'Unlock', exact: true }).click()
    await expect(page.getByText(/passphrase/i).and(page.locator('.mantine-InputWrapper-error'))).toBeVisible()
    await expect(passphraseField(page)).toHaveValue('not-the-passphrase-at-all')
    await shot(page, 'unlock-error')
    await unlock(page)

    // --- topology: a region from the navbar, a server and a collection in Topology
    await page.getByRole('button', { name: 'Add region' }).click()
    await page.getByRole('dialog').getByLabel('Region name').fill('eu-west')
    await page.getByRole('dialog').getByRole('button', { name: 'Add region' }).click()
    await expect(page.getByRole('dialog')).toHaveCount(0)
    await expect(page.getByRole('combobox', { name: 'Region', exact: true })).toHaveValue('eu-west')

    await section(page, 'Topology')
    await expect(page.getByRole('heading', { name: 'Topology' })).toBeVisible()
    // A second region with the same name (any case) is refused by the core; the text stays.
    await page.getByLabel('New region name').fill('EU-West')
    await page.getByRole('button', { name: 'Add region' }).last().click()
    await expect(page.getByText('A region named "EU-West" already exists.')).toBeVisible()
    await expect(page.getByLabel('New region name')).toHaveValue('EU-West')
    await page.getByLabel('New region name').fill('us-east')
    await page.getByRole('button', { name: 'Add region' }).last().click()
    await expect(page.getByRole('button', { name: 'Select region us-east' })).toBeVisible()
    // Adding selects the new region; go back to eu-west.
    await page.getByRole('button', { name: 'Select region eu-west' }).click()
    await expect(page.getByRole('combobox', { name: 'Region', exact: true })).toHaveValue('eu-west')

    await page.getByLabel('New server name').fill('db-frankfurt-01')
    await page.getByRole('button', { name: 'Add server' }).click()
    await expect(page.getByRole('button', { name: 'Select server db-frankfurt-01' })).toHaveAttribute('aria-pressed', 'true')
    await page.getByLabel('New collection name').fill('acme-production')
    await page.getByRole('button', { name: 'Add collection' }).click()
    await page.getByLabel('New collection name').fill('acme-staging')
    await page.getByRole('button', { name: 'Add collection' }).click()
    await expect(page.getByRole('button', { name: 'Select collection acme-staging' })).toBeVisible()

    // A region with servers cannot be deleted: the coded refusal is shown.
    await page.getByRole('button', { name: 'Delete region eu-west' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Delete region' }).click()
    await expect(page.getByText(/still has 1 server/)).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the topology view')
    await shot(page, 'topology')

    // --- choose server and collection with the header selectors (seed 003)
    await section(page, 'Records')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-production')
    await expect(page.getByText('No service users in acme-production yet')).toBeVisible()
    await page.getByRole('button', { name: 'Refresh' }).click()
    await expect(page.getByRole('combobox', { name: 'Collection', exact: true })).toHaveValue('acme-production')
    await expectNoSeriousA11yViolations(page, 'the shell')
    await shot(page, 'shell')
    // The same shell in the OS's dark mode (the app follows it by default).
    await page.emulateMedia({ colorScheme: 'dark' })
    await expectNoSeriousA11yViolations(page, 'the shell in dark mode')
    await shot(page, 'shell-dark')
    await page.emulateMedia({ colorScheme: 'light' })

    // --- settings and audit log
    await section(page, 'Settings')
    await expect(page.getByRole('switch', { name: 'Unlock with the OS keychain on this device' })).toBeVisible()
    await page.getByLabel('Minutes without activity').fill('30')
    await page.getByRole('button', { name: 'Save' }).click()
    await expect(page.getByText('The vault now locks after 30 minutes without activity.')).toBeVisible()
    await expect(page.getByText('Locks after 30 min without activity.')).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the settings')
    await shot(page, 'settings')

    await section(page, 'Audit log')
    await expect(page.getByText('Chain intact')).toBeVisible()
    await expect(page.getByRole('cell', { name: 'collections.create' }).first()).toBeVisible()
    await expect(page.getByRole('cell', { name: 'vault.setup' })).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the audit log')
    await shot(page, 'audit-log')

    // --- restart the bridge on the same data dir: locked again, the choice is kept
    await stop(bridge)
    bridge = await startBridge(data.dir)
    await page.goto(bridge.openUrl)
    await unlock(page)
    await expect(page.getByRole('combobox', { name: 'Region', exact: true })).toHaveValue('eu-west')
    await expect(page.getByRole('combobox', { name: 'Server', exact: true })).toHaveValue('db-frankfurt-01')
    await expect(page.getByRole('combobox', { name: 'Collection', exact: true })).toHaveValue('acme-production')
    await expect(page.getByText('No service users in acme-production yet')).toBeVisible()
    await expect(page.getByText('Locks after 30 min without activity.')).toBeVisible()
  })

  test('unlock with the OS keychain where the OS has a Secret Service', async ({ page }) => {
    const dir = makeDataDir()
    const keychainBridge = await startBridge(dir.dir)
    try {
      await page.goto(keychainBridge.openUrl)
      await expect(page.getByRole('heading', { name: 'Set up your vault' })).toBeVisible()
      const option = page.getByRole('checkbox', { name: 'Unlock with the OS keychain on this device' })
      test.skip(await option.isDisabled(), 'No OS keychain here (no Secret Service); `npm run test:e2e` runs the specs inside a private gnome-keyring.')

      await passphraseField(page).fill(STRONG)
      await page.getByLabel('Repeat the passphrase').fill(STRONG)
      await option.check()
      await page.getByRole('button', { name: 'Create vault' }).click()
      await page.getByRole('button', { name: 'Start empty' }).click()
      await expect(page.getByText('Vault unlocked · keychain on')).toBeVisible()

      await page.getByRole('button', { name: 'Lock', exact: true }).click()
      await page.getByRole('button', { name: 'Unlock with OS keychain' }).click()
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible()

      // Turning it off in Settings removes the option from the unlock screen.
      await section(page, 'Settings')
      const toggle = page.getByRole('switch', { name: 'Unlock with the OS keychain on this device' })
      await expect(toggle).toBeChecked()
      await toggle.click({ force: true })
      await expect(toggle).not.toBeChecked()
      await page.getByRole('button', { name: 'Lock', exact: true }).click()
      await expect(page.getByRole('heading', { name: 'Unlock Keyward' })).toBeVisible()
      await expect(page.getByRole('button', { name: 'Unlock with OS keychain' })).toHaveCount(0)
    } finally {
      await stop(keychainBridge)
      dir.remove()
    }
  })

  test('a second window follows changes and locks with the first; inactivity locks the vault', async ({ page, context }) => {
    const dir = makeDataDir()
    const eventsBridge = await startBridge(dir.dir)
    try {
      await page.clock.install()
      await page.goto(eventsBridge.openUrl)
      await passphraseField(page).fill(STRONG)
      await page.getByLabel('Repeat the passphrase').fill(STRONG)
      await page.getByRole('button', { name: 'Create vault' }).click()
      await page.getByRole('button', { name: 'Start empty' }).click()
      await expect(page.getByText('Choose a region in the navbar to begin')).toBeVisible()

      // The second window hears about changes over the event stream (no refresh pressed).
      const other = await context.newPage()
      await other.goto(eventsBridge.openUrl)
      await expect(other.getByText('Choose a region in the navbar to begin')).toBeVisible()
      await section(page, 'Topology')
      await page.getByLabel('New region name').fill('ap-south')
      await page.getByRole('button', { name: 'Add region' }).last().click()
      await other.getByRole('combobox', { name: 'Region', exact: true }).click()
      await expect(other.getByRole('option', { name: 'ap-south', exact: true })).toBeVisible()
      await other.keyboard.press('Escape')

      await page.getByRole('button', { name: 'Lock', exact: true }).click()
      await expect(other.getByRole('heading', { name: 'Unlock Keyward' })).toBeVisible()
      await other.close()

      // 15 minutes (the default) without mouse or keyboard activity lock the vault.
      await unlock(page)
      await page.clock.fastForward('14:50')
      await expect(page.getByRole('button', { name: 'Lock', exact: true })).toBeVisible()
      await page.clock.fastForward('00:20')
      await expect(page.getByRole('heading', { name: 'Unlock Keyward' })).toBeVisible()
    } finally {
      await stop(eventsBridge)
      dir.remove()
    }
  })
})
