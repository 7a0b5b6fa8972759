import { expect, test, type Page } from '@playwright/test'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as OTPAuth from 'otpauth'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { shot } from './helpers/screens'
import { licensedCollection, makeDataDir, rpcFor, startBridge, type Bridge } from './helpers/bridge'
import { failOnPageProblems } from './helpers/page-problems'

/** The records screen is shown at window size (its table scrolls), pop-ups from their top. */
const RECORD_SHOTS = { grow: false, dialogsToTop: true }
const PASSPHRASE = 'Quartz-lantern-orbit-meadow-71'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function pick(page: Page, field: string, option: string | RegExp): Promise<void> {
  await page.getByRole('combobox', { name: field, exact: true }).click()
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click()
}

const totpCode = (secret: string, timestamp = Date.now()) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp })

async function typePin(page: Page, code: string): Promise<void> {
  const dialog = page.getByRole('dialog')
  await dialog.locator('.mantine-PinInput-input').first().click()
  await page.keyboard.type(code)
}

const row = (page: Page, username: string) => page.getByRole('row').filter({ has: page.getByRole('cell').getByText(username, { exact: true }) })

/** The 100 000-user collection is seeded in the background while the first test runs. */
function seedManyUsers(dataDir: string): Promise<{ regionId: string; collectionId: string; count: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/seed-many-users.ts', dataDir, PASSPHRASE, '100000'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c))
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as never) : reject(new Error(`seeding failed (${code}): ${err.slice(-2000)}`))))
  })
}

test.describe('records', () => {
  failOnPageProblems()

  const data = makeDataDir()
  const bulk = makeDataDir()
  let seeded: ReturnType<typeof seedManyUsers> | undefined
  let bridge: Bridge | undefined
  test.beforeAll(() => {
    seeded = seedManyUsers(bulk.dir)
    // Handled where it is awaited; do not let an early failure go unobserved.
    seeded.catch(() => {})
  })
  test.afterAll(async () => {
    await bridge?.stop()
    await seeded?.catch(() => {})
    data.remove()
    bulk.remove()
  })

  test('add users, search, sort, permissions, tokens and the X-API key, as an administrator would', async ({ page, context }) => {
    // The 100 000-user fixture is being seeded in the background meanwhile.
    test.setTimeout(240_000)
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    bridge = await startBridge(data.dir)
    const rpc = rpcFor(bridge)
    await rpc('vault.setup', { passphrase: PASSPHRASE })
    const { collection } = await licensedCollection(rpc)
    const erp = await rpc<{ key: { id: string; hint: string } }>('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    await rpc('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'Workflow engine' })

    await page.goto(bridge.openUrl)
    await pick(page, 'Region', 'eu-west')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-production')

    // --- empty collection: says what to do next
    await expect(page.getByText('No service users in acme-production yet')).toBeVisible()
    await shot(page, 'records-empty', RECORD_SHOTS)

    // --- add a user with a generated password; the form validates inline and keeps what was typed
    await page.getByRole('button', { name: 'Add service user' }).first().click()
    const dialog = page.getByRole('dialog')
    await expect(dialog.getByRole('heading', { name: 'Add service user' })).toBeVisible()
    await dialog.getByRole('button', { name: 'Add service user' }).click()
    await expect(dialog.getByText('Choose the API key this user signs in with.')).toBeVisible()
    await pick(page, 'Server (API key)', /^XSS ERP/)
    await dialog.getByLabel('Username').fill('svc-invoices')
    await pick(page, 'Type', "A contact's records")
    await dialog.getByLabel('REST endpoint').fill('not a url')
    await dialog.getByRole('button', { name: 'Add service user' }).click()
    await expect(dialog.getByText(/needs the contact whose records/)).toBeVisible()
    await expect(dialog.getByText('An absolute URL, like https://api.example.com/rest/v1.')).toBeVisible()
    await dialog.getByLabel('Contact').fill('Maria Keller (AP)')
    await dialog.getByLabel('REST endpoint').fill('https://erp.acme.example/rest/v1')
    await dialog.getByLabel('SOAP endpoint').fill('https://erp.acme.example/soap')
    await shot(page, 'user-form', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the service-user form')
    await dialog.getByRole('button', { name: 'Add service user' }).click()
    await expect(dialog.getByText('Shown this once')).toBeVisible()
    const generated = (await dialog.getByLabel('New password', { exact: true }).textContent())!.trim()
    expect(generated.length).toBeGreaterThanOrEqual(20)
    await shot(page, 'user-password-once', RECORD_SHOTS)
    await dialog.getByRole('button', { name: 'Done' }).click()
    await expect(row(page, 'svc-invoices')).toBeVisible()

    // --- a user with password + TOTP: QR code, then the first code confirms it
    await page.getByRole('button', { name: 'Add service user' }).click()
    await pick(page, 'Server (API key)', /^XSS ERP/)
    await dialog.getByLabel('Username').fill('svc-mobile-2fa')
    await dialog.getByText('Set it myself').click()
    await dialog.getByLabel('Service user password').fill('short')
    await dialog.getByText('Password + TOTP (2FA)').click()
    await dialog.getByRole('button', { name: 'Add service user' }).click()
    await expect(dialog.getByText('At least 12 characters, or let Keyward generate one.')).toBeVisible()
    const ownPassword = 'Tangerine-harbor-violet-93'
    await dialog.getByLabel('Service user password').fill(ownPassword)
    await dialog.getByRole('button', { name: 'Add service user' }).click()
    await expect(dialog.getByRole('img', { name: /QR code/ })).toBeVisible()
    await shot(page, 'user-2fa-setup', RECORD_SHOTS)
    await dialog.getByRole('button', { name: /Show the setup key/ }).click()
    const totpSecret = (await dialog.locator('code').last().textContent())!.trim()
    await typePin(page, '000000')
    await dialog.getByRole('button', { name: 'Confirm 2FA' }).click()
    await expect(dialog.getByText(/TOTP_CODE_INVALID/)).toBeVisible()
    await dialog.locator('.mantine-PinInput-input').first().click()
    for (let i = 0; i < 6; i++) await page.keyboard.press('Backspace')
    await typePin(page, totpCode(totpSecret))
    await dialog.getByRole('button', { name: 'Confirm 2FA' }).click()
    await expect(dialog.getByText('2FA confirmed')).toBeVisible()
    await dialog.getByRole('button', { name: 'Done' }).click()
    await expect(row(page, 'svc-mobile-2fa').getByText('2FA', { exact: true })).toBeVisible()

    // two more, made directly, so sorting has something to order
    await rpc('users.create', { collectionId: collection.id, keyId: erp.key.id, username: 'alpha-sync' })
    await rpc('users.create', { collectionId: collection.id, keyId: erp.key.id, username: 'zeta-report' })
    await expect(page.getByTestId('records-total')).toHaveText('4 records')

    // --- search answers as you type; `/` focuses it
    await page.keyboard.press('/')
    await expect(page.getByLabel('Search records')).toBeFocused()
    await page.keyboard.type('invoic')
    await expect(page.getByTestId('records-total')).toHaveText('1 record')
    await expect(row(page, 'svc-invoices')).toBeVisible()
    await page.getByLabel('Search records').fill('no-such-user')
    await expect(page.getByText('No records match "no-such-user"')).toBeVisible()
    await page.getByRole('button', { name: 'Clear search' }).first().click()
    await expect(page.getByTestId('records-total')).toHaveText('4 records')

    // --- sort by username, both ways (server-side)
    const firstName = () => page.getByTestId('records-scroller').getByRole('row').first().getByRole('cell').first()
    await expect(firstName()).toContainText('alpha-sync')
    await page.getByRole('button', { name: 'Sort by UserName' }).click()
    await expect(page.getByRole('columnheader', { name: 'Sort by UserName' })).toHaveAttribute('aria-sort', 'descending')
    await expect(firstName()).toContainText('zeta-report')
    await page.getByRole('button', { name: 'Sort by UserName' }).click()
    await expect(firstName()).toContainText('alpha-sync')
    await shot(page, 'records', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the records screen')

    // --- REST permissions: tick one the key allows; one it does not is disabled
    await page.getByRole('button', { name: 'REST permissions of svc-invoices' }).click()
    await expect(dialog.getByRole('heading', { name: 'REST permissions · svc-invoices' })).toBeVisible()
    await expect(dialog.getByLabel('REST endpoint')).toHaveValue('https://erp.acme.example/rest/v1')
    await expect(dialog.getByRole('checkbox', { name: 'DELETE /api/v1/records/{id}', exact: true })).toBeDisabled()
    await dialog.getByRole('checkbox', { name: 'GET /api/v1/records/{id}', exact: true }).check()
    await dialog.getByRole('checkbox', { name: 'GET /api/v1/erp/invoices', exact: true }).check()
    await dialog.getByRole('button', { name: 'Save REST permissions' }).click()
    await expect(page.getByText('REST permissions of svc-invoices saved.')).toBeVisible()
    await expect(dialog.getByLabel('Assigned REST permissions').getByText('GET /api/v1/records/{id}')).toBeVisible()
    await shot(page, 'rest-permissions', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the REST permissions pop-up')
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)

    // --- SOAP permissions
    await page.getByRole('button', { name: 'SOAP permissions of svc-invoices' }).click()
    await expect(dialog.getByLabel('SOAP endpoint')).toHaveValue('https://erp.acme.example/soap')
    await dialog.getByRole('checkbox', { name: 'RecordService.GetRecord', exact: true }).check()
    await dialog.getByRole('button', { name: 'Save SOAP permissions' }).click()
    await expect(page.getByText('SOAP permissions of svc-invoices saved.')).toBeVisible()
    await shot(page, 'soap-permissions', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the SOAP permissions pop-up')
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)

    // --- generate a token: a wrong password is refused inline and kept
    await page.getByRole('button', { name: 'Generate token for svc-invoices' }).click()
    await expect(dialog.getByLabel('Client ID')).toHaveValue(/^kw_/)
    await dialog.getByRole('textbox', { name: 'Password' }).fill('wrong-password-123')
    await dialog.getByRole('button', { name: 'Generate token' }).click()
    await expect(dialog.getByText(/TOKEN_BAD_CREDENTIALS/)).toBeVisible()
    await expect(dialog.getByRole('textbox', { name: 'Password' })).toHaveValue('wrong-password-123')
    await shot(page, 'generate-token-refused', RECORD_SHOTS)
    await dialog.getByRole('textbox', { name: 'Password' }).fill(generated)
    await dialog.getByRole('button', { name: 'Generate token' }).click()
    await expect(dialog.getByText('Token issued')).toBeVisible()
    await expect(dialog.getByLabel('Token', { exact: true })).toHaveText(/^eyJ/)
    await shot(page, 'generate-token', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the generate-token pop-up')
    await dialog.getByRole('button', { name: 'Done' }).click()

    // the 2FA user needs a code as well
    await page.getByRole('button', { name: 'Generate token for svc-mobile-2fa' }).click()
    await dialog.getByRole('textbox', { name: 'Password' }).fill(ownPassword)
    // a code is accepted once: the one confirmed at enrolment may still be the current one, so
    // this is the next step's code, as from an authenticator whose clock runs a little ahead
    // (one step of drift is accepted)
    await typePin(page, totpCode(totpSecret, Date.now() + 30_000))
    await dialog.getByRole('button', { name: 'Generate token' }).click()
    await expect(dialog.getByText('Token issued')).toBeVisible()
    await page.keyboard.press('Escape')

    // --- view more: copy a previous token, then revoke it (confirmed)
    await page.getByRole('button', { name: 'View tokens of svc-invoices' }).click()
    await expect(dialog.getByRole('heading', { name: 'Tokens of svc-invoices' })).toBeVisible()
    await expect(dialog.getByText('valid', { exact: true })).toBeVisible()
    await shot(page, 'view-more', RECORD_SHOTS)
    await expectNoSeriousA11yViolations(page, 'the view-more pop-up')
    await dialog.getByRole('button', { name: /^Copy token issued/ }).click()
    await expect(page.getByText('Token copied. The clipboard is cleared in 30 seconds.')).toBeVisible()
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toMatch(/^eyJ/)
    await dialog.getByRole('button', { name: /^Revoke token issued/ }).click()
    await page.getByRole('button', { name: 'Revoke token', exact: true }).click()
    await expect(page.getByText('Token revoked.')).toBeVisible()
    await expect(page.getByRole('dialog', { name: 'Tokens of svc-invoices' }).getByText('revoked', { exact: true })).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)

    // --- the X-API key: masked, revealed on demand, copied to the clipboard
    const keyCell = row(page, 'svc-invoices').getByRole('cell').nth(2)
    await expect(keyCell.locator('[data-secret="masked"]')).toHaveText(erp.key.hint)
    await page.getByRole('button', { name: 'Reveal X-API key of svc-invoices' }).click()
    const revealed = keyCell.locator('[data-secret="revealed"]')
    await expect(revealed).toHaveText(/^erp_live_/)
    const secret = (await revealed.textContent())!
    expect(secret.length).toBeGreaterThan(erp.key.hint.length)
    await page.getByRole('button', { name: 'Hide X-API key of svc-invoices' }).click()
    await expect(keyCell.locator('[data-secret="masked"]')).toBeVisible()
    await page.getByRole('button', { name: 'Copy X-API key of svc-invoices' }).click()
    await expect(page.getByText('X-API key copied. The clipboard is cleared in 30 seconds.')).toBeVisible()
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret)

    // --- edit, disable and delete from the row's menu
    await page.getByRole('button', { name: 'More actions for zeta-report' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    await expect(dialog.getByRole('heading', { name: 'Edit service user zeta-report' })).toBeVisible()
    await dialog.getByLabel('Username').fill('zeta-reports')
    await pick(page, 'Permission profile', 'Read only')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(dialog).toHaveCount(0)
    await expect(row(page, 'zeta-reports')).toBeVisible()
    // a taken username is refused by the core next to the field, the rest kept
    await page.getByRole('button', { name: 'More actions for zeta-reports' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    await dialog.getByLabel('Username').fill('alpha-sync')
    await dialog.getByRole('button', { name: 'Save changes' }).click()
    await expect(dialog.getByText(/alpha-sync/).and(page.locator('.mantine-InputWrapper-error'))).toBeVisible()
    await expect(dialog.getByLabel('Username')).toHaveValue('alpha-sync')
    await page.keyboard.press('Escape')

    await page.getByRole('button', { name: 'More actions for zeta-reports' }).click()
    await page.getByRole('menuitem', { name: 'Disable user' }).click()
    await expect(row(page, 'zeta-reports').getByText('inactive', { exact: true })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Generate token for zeta-reports' })).toBeDisabled()

    await page.getByRole('button', { name: 'More actions for alpha-sync' }).click()
    await page.getByRole('menuitem', { name: 'Delete user…' }).click()
    await page.getByRole('button', { name: 'Delete user', exact: true }).click()
    await expect(row(page, 'alpha-sync')).toHaveCount(0)
    await expect(page.getByTestId('records-total')).toHaveText('3 records')
    // Leave the page first: a stopped bridge cuts the page's event stream, which logs an error.
    await page.goto('about:blank')
    await bridge.stop()
    bridge = undefined
  })

  test('100 000 service users scroll to the end and search answers as you type', async ({ page }) => {
    test.setTimeout(180_000)
    const fixture = await seeded!
    expect(fixture.count).toBe(100_000)
    bridge = await startBridge(bulk.dir)
    await page.goto(bridge.openUrl)
    await page.getByLabel('Master passphrase', { exact: true }).fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Unlock', exact: true }).click()
    await pick(page, 'Region', 'bulk-region')
    await pick(page, 'Server', 'bulk-db')
    await pick(page, 'Collection', 'bulk-prod')
    await expect(page.getByTestId('records-total')).toHaveText('100,000 records')
    // Only a screenful of rows exists in the page.
    expect(await page.getByTestId('records-scroller').getByRole('row').count()).toBeLessThan(60)

    const scroller = page.getByTestId('records-scroller')
    for (const fraction of [0.25, 0.5, 0.75]) {
      await scroller.evaluate((el, f) => (el.scrollTop = el.scrollHeight * f), fraction)
      await expect(scroller.getByText(`bulk-0${String(Math.floor(100_000 * fraction) + 1).padStart(5, '0')}`, { exact: true })).toBeVisible()
    }
    await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect(scroller.getByText('bulk-099999', { exact: true })).toBeVisible()
    await shot(page, 'records-100k', RECORD_SHOTS)

    const search = page.getByLabel('Search records')
    const started = Date.now()
    await search.pressSequentially('bulk-0999')
    await expect(page.getByTestId('records-total')).toHaveText('100 records')
    expect(Date.now() - started).toBeLessThan(5_000)
    await expect(scroller.getByText('bulk-099900', { exact: true })).toBeVisible()
    await search.pressSequentially('99')
    await expect(page.getByTestId('records-total')).toHaveText('1 record')
    // Leave the page first: a stopped bridge cuts the page's event stream, which logs an error.
    await page.goto('about:blank')
    await bridge.stop()
    bridge = undefined
  })
})
