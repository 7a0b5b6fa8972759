import { expect, test, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { licensedCollection, makeDataDir, rpcFor, startBridge } from './helpers/bridge'

/**
 * A service user imported from another installation's bundle arrives without a password: the
 * records screen of the importing vault says so and offers to set one.
 */
const SCREENS = 'test-results/screens'
const PASSPHRASE = 'Quartz-lantern-orbit-meadow-71'
const BUNDLE_PASSPHRASE = 'violet-harbor-quantum-seventeen-maple'

async function pick(page: Page, field: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: field, exact: true }).click()
  await page.getByRole('option', { name: option, exact: true }).click()
}

test('a service user imported from a bundle shows that it has no password yet, until one is set', async ({ page }) => {
  test.setTimeout(120_000)
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  const dirA = makeDataDir()
  const dirB = makeDataDir()
  const a = await startBridge(dirA.dir)
  const b = await startBridge(dirB.dir)
  try {
    const rpcA = rpcFor(a)
    await rpcA('vault.setup', { passphrase: PASSPHRASE })
    const { collection } = await licensedCollection(rpcA)
    const erp = await rpcA<{ key: { id: string } }>('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    await rpcA('users.create', { collectionId: collection.id, keyId: erp.key.id, username: 'svc-integrator', restPermissions: ['rest.invoices.list'] })
    const bundle = await rpcA<{ file: string }>('bundles.export', { collectionId: collection.id, passphrase: BUNDLE_PASSPHRASE, items: { keys: 'all', serviceUsers: 'all' } })

    const rpcB = rpcFor(b)
    await rpcB('vault.setup', { passphrase: PASSPHRASE })
    const owner = await rpcB<{ id: string }>('clients.create', { name: 'Acme Logistics', tier: 'gold' })
    const imported = await rpcB<{ items: { serviceUsers: { created: number } } }>('bundles.import', { file: bundle.file, passphrase: BUNDLE_PASSPHRASE, licenceClientId: owner.id })
    expect(imported.items.serviceUsers.created).toBe(1)

    await page.goto(b.openUrl)
    await pick(page, 'Region', 'eu-west')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-production')
    await page.getByRole('button', { name: 'More actions for svc-integrator' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    const dialog = page.getByRole('dialog')
    await expect(dialog.getByText('No password yet (imported from a bundle): set one before generating tokens.')).toBeVisible()
    await expect(dialog.getByRole('button', { name: 'Set password…' })).toBeVisible()
    await page.mouse.move(5, 5)
    mkdirSync(SCREENS, { recursive: true })
    await page.screenshot({ path: `${SCREENS}/user-imported-no-password.png` })
    await expectNoSeriousA11yViolations(page, 'the edit form of an imported user')
    await page.keyboard.press('Escape')

    // setting the first password: confirmed, shown once, and the form then says when it was set
    await page.getByRole('button', { name: 'More actions for svc-integrator' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    await dialog.getByRole('button', { name: 'Set password…' }).click()
    await expect(page.getByText('A password is generated and shown once; from then on the user can get tokens.')).toBeVisible()
    await page.getByRole('button', { name: 'Set password', exact: true }).click()
    await expect(page.getByText('Shown this once')).toBeVisible()
    await page.getByRole('button', { name: 'Done' }).click()
    await page.getByRole('button', { name: 'More actions for svc-integrator' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    await expect(dialog.getByText(/^Password set /)).toBeVisible()
    await expect(dialog.getByRole('button', { name: 'Reset password…' })).toBeVisible()
    expect(problems).toEqual([])
  } finally {
    await a.stop()
    await b.stop()
    dirA.remove()
    dirB.remove()
  }
})
