import { expect, test, type Locator, type Page } from '@playwright/test'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { shot } from './helpers/screens'
import { makeDataDir, startBridge, type Bridge } from './helpers/bridge'
import { failOnPageProblems } from './helpers/page-problems'

const STRONG = 'Quartz-lantern-orbit-meadow-71'

async function pick(page: Page | Locator, field: string | RegExp, option: string): Promise<void> {
  const root = 'page' in page ? page.page() : page
  await page.getByRole('combobox', typeof field === 'string' ? { name: field, exact: true } : { name: field }).click()
  await root.getByRole('option', { name: option, exact: true }).click()
}

const section = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name, exact: true }).click()
const dialog = (page: Page) => page.getByRole('dialog')
const group = (page: Page, name: string) => page.getByRole('region', { name: `Group ${name}` })
const row = (scope: Page | Locator, name: string) => {
  const root = 'page' in scope ? scope.page() : scope
  return scope.getByRole('row').filter({ has: root.getByText(name, { exact: true }) })
}

async function closeNotifications(page: Page): Promise<void> {
  for (const button of await page.getByRole('button', { name: 'Dismiss notification' }).all()) await button.click().catch(() => undefined)
}

test.describe('keys, licences, catalog and first run', () => {
  test.use({ actionTimeout: 15_000 })
  failOnPageProblems()

  let bridge: Bridge | undefined
  const data = makeDataDir()
  test.afterAll(async () => {
    await bridge?.stop()
    data.remove()
  })

  test('an administrator loads the sample organisation and works with keys, licences and the catalog', async ({ page }) => {
    test.setTimeout(240_000)
    bridge = await startBridge(data.dir)
    await page.goto(bridge.openUrl)

    // --- first run: passphrase, then the choice between an empty vault and the sample
    await page.getByLabel('Master passphrase', { exact: true }).fill(STRONG)
    await page.getByLabel('Repeat the passphrase').fill(STRONG)
    await page.getByRole('button', { name: 'Create vault' }).click()
    await expect(page.getByRole('heading', { name: 'Your vault is ready' })).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the first-run choice')
    await shot(page, 'first-run')
    await page.getByRole('button', { name: 'Load a sample organisation' }).click()
    await expect(page.getByText(/Sample organisation loaded: 3 regions/)).toBeVisible({ timeout: 60_000 })
    await closeNotifications(page)

    // --- the records screen of a sample collection (also the README's picture)
    await pick(page, 'Region', 'eu-west')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-staging')
    await expect(page.getByRole('heading', { name: 'Records' })).toBeVisible()
    await shot(page, 'records', { docs: true })

    // --- API keys of acme-staging, by group (seed 002)
    await section(page, 'API keys')
    await expect(page.getByRole('heading', { name: 'API keys' })).toBeVisible()
    await expect(group(page, 'Integrations')).toBeVisible()
    await expect(group(page, 'Partners')).toBeVisible()
    await expect(row(group(page, 'Integrations'), 'Workflow – acme-staging').getByText('Active')).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the API keys section')
    await shot(page, 'keys')

    // Ctrl+K and / focus the section's search.
    await page.keyboard.press('Control+k')
    await expect(page.getByRole('textbox', { name: 'Search API keys' })).toBeFocused()
    await page.keyboard.type('mobile')
    await expect(row(page, 'Workflow – acme-staging')).toHaveCount(0)
    await expect(row(page, 'Mobile App – acme-staging')).toHaveCount(1)
    await page.getByRole('textbox', { name: 'Search API keys' }).fill('')
    await page.getByRole('textbox', { name: 'Search API keys' }).blur()

    // --- add a key from the Partners group: a bad address is flagged inline, save is held back
    await group(page, 'Partners').getByRole('button', { name: 'Add API key to Partners' }).click()
    const form = dialog(page)
    await expect(form.getByRole('heading', { name: 'Add API key' })).toBeVisible()
    await expect(form.getByText('The list is empty: the key is accepted from every address.')).toBeVisible()
    await form.getByRole('textbox', { name: /^Name/ }).fill('Second workflow key')
    await form.getByLabel('Description').fill('A second key for the same application, which the rules refuse.')
    await pick(form, /^Application/, 'Workflow')
    await expect(form.getByRole('combobox', { name: 'Group' })).toHaveValue('Partners')
    await form.getByRole('button', { name: 'Add address' }).click()
    await form.getByLabel('Allowed address 1').fill('10.0.0.300')
    await expect(form.getByText('Not accepted: it is not an IPv4 or IPv6 address.')).toBeVisible()
    await form.getByRole('button', { name: 'Add address' }).click()
    await form.getByLabel('Allowed address 2').fill('10.20.0.1/16')
    await expect(form.getByText(/host bits set; did you mean 10\.20\.0\.0\/16/)).toBeVisible()
    await form.getByRole('button', { name: 'Create key' }).click()
    await expect(form).toBeVisible()
    await form.getByLabel('Allowed address 1').fill('192.0.2.10')
    await form.getByLabel('Allowed address 2').fill('10.20.0.0/16')
    await expect(form.getByText(/Not accepted/)).toHaveCount(0)
    await form.getByLabel('Public URL address').fill('https://erp.acme.example.com')
    await form.getByLabel('Rotate every (days)').fill('400')
    await expect(form.getByText('400 days is outside the recommended 3–6 months.', { exact: false })).toBeVisible()
    await form.getByLabel('Rotate every (days)').fill('120')
    await expect(form.getByRole('checkbox', { name: 'All Workflow permissions' })).toBeChecked()
    await expectNoSeriousA11yViolations(page, 'the key form')
    await form.getByRole('textbox', { name: /^Name/ }).focus()
    await shot(page, 'key-form')

    // A second Workflow key on the same domain is refused; everything typed stays.
    await form.getByRole('button', { name: 'Create key' }).click()
    await expect(form.getByRole('alert').filter({ hasText: /already/i }).first()).toBeVisible()
    await expect(form.getByRole('textbox', { name: /^Name/ })).toHaveValue('Second workflow key')
    await expect(form.getByLabel('Allowed address 2')).toHaveValue('10.20.0.0/16')
    await closeNotifications(page)
    await shot(page, 'key-form-refused')

    // ERP has no key on acme-staging yet: the same form, another application, goes through.
    await form.getByRole('textbox', { name: /^Name/ }).fill('ERP connector – staging')
    await form.getByLabel('Description').fill('Partner ERP (XSS) exchanging invoices.')
    await pick(form, /^Application/, 'ERP')
    await form.getByRole('radio', { name: 'Test' }).check()
    await form.getByRole('button', { name: 'Create key' }).click()

    // --- the key, once
    const created = page.getByRole('dialog', { name: 'API key created' })
    await expect(created).toBeVisible()
    await expect(created.getByText('This key will not be shown again')).toBeVisible()
    const secret = (await created.getByTestId('issued-secret').textContent())!.trim()
    expect(secret).toMatch(/^erp_test_[0-9A-Za-z]{38}$/)
    await expectNoSeriousA11yViolations(page, 'the key-created dialog')
    await shot(page, 'key-created')
    await created.getByRole('button', { name: 'I have stored the key' }).click()
    await expect(created).toHaveCount(0)
    const erpRow = row(group(page, 'Partners'), 'ERP connector – staging')
    await expect(erpRow.getByText('Active')).toBeVisible()
    await expect(erpRow.getByText(/^erp_test_/)).toBeVisible()
    // Never again in full on screen.
    await expect(page.getByText(secret)).toHaveCount(0)

    // --- edit: the application is fixed, the rest changes
    await erpRow.getByRole('button', { name: 'Actions for ERP connector – staging' }).click()
    await page.getByRole('menuitem', { name: 'Edit' }).click()
    await expect(dialog(page).getByRole('combobox', { name: /^Application/ })).toBeDisabled()
    await dialog(page).getByLabel('Rate limit (requests/min)').fill('600')
    await dialog(page).getByRole('button', { name: 'Save changes' }).click()
    await expect(page.getByText('Saved ERP connector – staging.')).toBeVisible()

    // --- rotate with a grace period: the new key once, the old one in grace
    await erpRow.getByRole('button', { name: 'Actions for ERP connector – staging' }).click()
    await page.getByRole('menuitem', { name: 'Rotate…' }).click()
    await expect(dialog(page).getByLabel('Grace period (hours)')).toHaveValue('24')
    await dialog(page).getByRole('button', { name: 'Rotate key' }).click()
    const rotated = page.getByRole('dialog', { name: 'Key rotated' })
    await expect(rotated.getByText(/The previous key keeps working until/)).toBeVisible()
    const next = (await rotated.getByTestId('issued-secret').textContent())!.trim()
    expect(next).not.toBe(secret)
    await rotated.getByRole('button', { name: 'I have stored the key' }).click()
    await expect(group(page, 'Partners').getByText('In rotation grace')).toBeVisible()

    // --- revoke needs the key's name typed
    const mobile = row(group(page, 'Integrations'), 'Mobile App – acme-staging')
    await mobile.getByRole('button', { name: 'Actions for Mobile App – acme-staging' }).click()
    await page.getByRole('menuitem', { name: 'Revoke…' }).click()
    const revoke = dialog(page).getByRole('button', { name: 'Revoke key' })
    await expect(revoke).toBeDisabled()
    await dialog(page).getByLabel('Type the key name to confirm').fill('Mobile App')
    await expect(revoke).toBeDisabled()
    await dialog(page).getByLabel('Type the key name to confirm').fill('Mobile App – acme-staging')
    await dialog(page).getByLabel('Reason').fill('Phones replaced')
    await revoke.click()
    await expect(mobile.getByText('Revoked')).toBeVisible()

    // --- delete asks first
    await mobile.getByRole('button', { name: 'Actions for Mobile App – acme-staging' }).click()
    await page.getByRole('menuitem', { name: 'Delete…' }).click()
    await dialog(page).getByRole('button', { name: 'Delete key' }).click()
    await expect(row(page, 'Mobile App – acme-staging')).toHaveCount(0)

    // --- groups: add, rename, delete (keys stay, ungrouped)
    await page.getByRole('button', { name: 'Add group', exact: true }).click()
    await dialog(page).getByLabel('Group name').fill('Legacy')
    await dialog(page).getByRole('button', { name: 'Add group' }).click()
    await expect(group(page, 'Legacy')).toBeVisible()
    await expect(group(page, 'Legacy').getByText('No keys in this group yet.', { exact: false })).toBeVisible()
    await group(page, 'Legacy').getByRole('button', { name: 'Group Legacy actions' }).click()
    await page.getByRole('menuitem', { name: 'Rename group' }).click()
    await dialog(page).getByLabel('Group name').fill('Legacy systems')
    await dialog(page).getByRole('button', { name: 'Rename group' }).click()
    await group(page, 'Legacy systems').getByRole('button', { name: 'Group Legacy systems actions' }).click()
    await page.getByRole('menuitem', { name: 'Delete group' }).click()
    await dialog(page).getByRole('button', { name: 'Delete group' }).click()
    await expect(group(page, 'Legacy systems')).toHaveCount(0)
    await closeNotifications(page)

    // --- clients & licences (seed 000)
    await section(page, 'Clients & licences')
    await expect(page.getByRole('heading', { name: 'Clients & licences' })).toBeVisible()
    await page.getByRole('listitem').filter({ hasText: 'Acme Corp' }).click()
    await expect(page.getByRole('heading', { name: 'Acme Corp' })).toBeVisible()
    await expect(page.getByText('2 of 2 used', { exact: true })).toBeVisible()
    const grid = page.getByRole('table', { name: 'Keys per application and domain' })
    await expect(grid.getByRole('columnheader', { name: 'acme-production' })).toBeVisible()
    await expect(grid.getByRole('columnheader', { name: 'acme-staging' })).toBeVisible()
    // The Mobile App key of acme-staging was deleted above: its cell offers a new one.
    await expect(grid.getByRole('button', { name: 'Add Mobile App key on acme-staging' })).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'clients & licences')
    await shot(page, 'licences')

    // A third licence for a Gold client is refused and the choice stays.
    await page.getByRole('button', { name: 'Bind licence' }).first().click()
    await pick(dialog(page), 'Collection (domain)', 'sandbox (db-mumbai-01)')
    await dialog(page).getByRole('button', { name: 'Bind licence' }).click()
    await expect(dialog(page).getByText('Licence limit reached')).toBeVisible()
    await expect(dialog(page).getByRole('combobox', { name: 'Collection (domain)' })).toHaveValue('sandbox (db-mumbai-01)')
    await dialog(page).getByRole('button', { name: 'Cancel' }).click()

    // The grid's empty cell issues the key for that application and domain.
    await grid.getByRole('button', { name: 'Add Mobile App key on acme-staging' }).click()
    await expect(dialog(page).getByRole('combobox', { name: /^Application/ })).toHaveValue('Mobile App')
    await dialog(page).getByRole('textbox', { name: /^Name/ }).fill('Mobile App – acme-staging (new fleet)')
    await dialog(page).getByRole('radio', { name: 'Client' }).check()
    await dialog(page).getByRole('radio', { name: 'Test' }).check()
    await dialog(page).getByRole('button', { name: 'Create key' }).click()
    await page.getByRole('dialog', { name: 'API key created' }).getByRole('button', { name: 'I have stored the key' }).click()
    await expect(grid.getByText('Mobile App – acme-staging (new fleet)')).toBeVisible()

    // Tier change: the preview names what a downgrade orphans before anything happens.
    await page.getByRole('button', { name: 'Change tier' }).click()
    await dialog(page).getByText('Blue · 1 licence').click()
    await expect(dialog(page).getByText('1 licence must be released')).toBeVisible()
    await expect(dialog(page).getByText('would be switched off').first()).toBeVisible()
    await closeNotifications(page)
    await expectNoSeriousA11yViolations(page, 'the tier-change preview')
    await shot(page, 'tier-preview')
    await dialog(page).getByRole('button', { name: 'Release 1 and change to Blue' }).click()
    await expect(page.getByText(/Acme Corp is now Blue; 1 licence\(s\) released/)).toBeVisible()
    await expect(page.getByText('1 of 1 used', { exact: true })).toBeVisible()

    // --- the permission catalog with each application's template
    await section(page, 'Permission catalog')
    await expect(page.getByRole('heading', { name: 'Permission catalog' })).toBeVisible()
    await expect(page.getByRole('columnheader', { name: 'Workflow' }).first()).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the permission catalog')
    await shot(page, 'catalog')
    await page.keyboard.press('/')
    await expect(page.getByRole('textbox', { name: 'Search the catalog' })).toBeFocused()
    await page.keyboard.type('invoice')
    await expect(page.getByText('/api/v1/erp/invoices', { exact: true }).first()).toBeVisible()
    await expect(page.getByText('/api/v1/workflow/tasks', { exact: true })).toHaveCount(0)

    // --- the audit log tells the whole story, with the chain verified
    await section(page, 'Audit log')
    await expect(page.getByText('Chain intact')).toBeVisible()
    await expect(page.getByRole('cell', { name: 'clients.setTier' })).toBeVisible()
    await page.getByRole('textbox', { name: 'Filter by action' }).fill('keys.revoke')
    await expect(page.getByRole('cell', { name: 'keys.revoke' }).first()).toBeVisible()
    await expect(page.getByRole('cell', { name: 'clients.setTier' })).toHaveCount(0)
    await page.getByRole('textbox', { name: 'Filter by action' }).fill('')
    await expect(page.getByRole('cell', { name: 'clients.setTier' })).toBeVisible()
    await expectNoSeriousA11yViolations(page, 'the audit log')
    await shot(page, 'audit-log')
    // No screenshot of a list carries a whole key.
    await expect(page.getByText(secret)).toHaveCount(0)
    await expect(page.getByText(next)).toHaveCount(0)
  })

  test('the sample is refused on a vault that already has data', async ({ page }) => {
    const dir = makeDataDir()
    const b = await startBridge(dir.dir)
    try {
      await page.goto(b.openUrl)
      await page.getByLabel('Master passphrase', { exact: true }).fill(STRONG)
      await page.getByLabel('Repeat the passphrase').fill(STRONG)
      await page.getByRole('button', { name: 'Create vault' }).click()
      await expect(page.getByRole('button', { name: 'Load a sample organisation' })).toBeVisible()
      // Another client of the same vault adds a region while this window still offers the sample.
      const added = await fetch(`${b.url}rpc/regions.create`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${b.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'eu-west' }),
      })
      expect(((await added.json()) as { ok: boolean }).ok).toBe(true)
      await page.getByRole('button', { name: 'Load a sample organisation' }).click()
      await expect(page.getByText('The sample organisation can only be loaded into an empty vault', { exact: false })).toBeVisible()
      await page.getByRole('button', { name: 'Start empty' }).click()
      await expect(page.getByRole('combobox', { name: 'Region', exact: true })).toBeVisible()
    } finally {
      await page.close()
      await b.stop()
      dir.remove()
    }
  })
})
