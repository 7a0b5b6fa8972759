import { expect, test } from '@playwright/test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { licensedCollection, makeDataDir, rpcFor, startBridge, type Bridge } from './helpers/bridge'
import { inspectBundle } from './helpers/bundle-dialog'
import { failOnPageProblems } from './helpers/page-problems'
import { shot } from './helpers/screens'

/**
 * A round trip between two installations: a bundle with keys, service users and a token leaves
 * vault A and is imported into a fresh vault B through the dialog, which binds a licence of the
 * client picked there; the result screen says what was created, skipped and left to do.
 */
const PASSPHRASE = 'Quartz-lantern-orbit-meadow-71'
const BUNDLE_PASSPHRASE = 'violet-harbor-quantum-seventeen-maple'

test.describe('bundle import between two vaults', () => {
  failOnPageProblems()

  const dirA = makeDataDir()
  const dirB = makeDataDir()
  const work = makeDataDir()
  const bridges: Bridge[] = []
  test.afterAll(async () => {
    for (const b of bridges) await b.stop()
    dirA.remove()
    dirB.remove()
    work.remove()
  })

  test('binds a licence of the chosen client, shows per-kind results and follow-ups, and the key verifies in the new vault', async ({ page }) => {
    test.setTimeout(180_000)
    const a = await startBridge(dirA.dir)
    bridges.push(a)
    const b = await startBridge(dirB.dir)
    bridges.push(b)

    // --- vault A: a licensed collection with a key, two service users and a token
    const rpcA = rpcFor(a)
    await rpcA('vault.setup', { passphrase: PASSPHRASE })
    const { collection } = await licensedCollection(rpcA)
    const erp = await rpcA<{ key: { id: string }; secret: string }>('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP' })
    const integrator = await rpcA<{ user: { id: string; clientId: string }; password: string }>('users.create', {
      collectionId: collection.id,
      keyId: erp.key.id,
      username: 'svc-integrator',
      restPermissions: ['rest.invoices.list'],
    })
    await rpcA('users.create', { collectionId: collection.id, keyId: erp.key.id, username: 'svc-reporting' })
    await rpcA('tokens.generate', { userId: integrator.user.id, clientId: integrator.user.clientId, password: integrator.password })
    const bundle = await rpcA<{ file: string; fileName: string }>('bundles.export', {
      collectionId: collection.id,
      passphrase: BUNDLE_PASSPHRASE,
      items: { keys: 'all', serviceUsers: 'all', tokens: true },
    })
    const bundleFile = join(work.dir, bundle.fileName)
    writeFileSync(bundleFile, Buffer.from(bundle.file, 'base64'))

    // --- vault B: fresh; one client with free licences, one whose tier is full
    const rpcB = rpcFor(b)
    await rpcB('vault.setup', { passphrase: PASSPHRASE })
    await rpcB('clients.create', { name: 'Acme Logistics', tier: 'gold' })
    const full = await rpcB<{ id: string }>('clients.create', { name: 'Bluebird Freight', tier: 'blue' })
    const otherRegion = await rpcB<{ id: string }>('regions.create', { name: 'us-east' })
    const otherServer = await rpcB<{ id: string }>('servers.create', { regionId: otherRegion.id, name: 'db-virginia-01' })
    const otherCollection = await rpcB<{ id: string }>('collections.create', { serverId: otherServer.id, name: 'bluebird-production' })
    await rpcB('licences.create', { clientId: full.id, collectionId: otherCollection.id })

    // The records screen without a chosen collection offers the import.
    await page.goto(b.openUrl)
    await page.getByRole('button', { name: 'Import bundle…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Import an integrator bundle' })
    await inspectBundle(page, bundleFile, BUNDLE_PASSPHRASE)
    await expect(dialog.getByText('Signature verified')).toBeVisible()

    // No licence on this collection here: the import waits for a client.
    const licence = dialog.getByRole('alert', { name: 'No master licence here yet' })
    await expect(licence).toContainText("acme-production has no master licence in this vault, and the bundle's 1 key needs one")
    const importButton = dialog.getByRole('button', { name: 'Import', exact: true })
    await expect(importButton).toBeDisabled()
    await dialog.getByRole('combobox', { name: 'Client for the licence' }).click()
    await expect(page.getByRole('option', { name: 'Bluebird Freight · Blue · no free licence' })).toHaveAttribute('aria-disabled', 'true')
    await page.getByRole('option', { name: 'Acme Logistics · Gold · 2 of 2 licences free' }).click()
    await expect(importButton).toBeEnabled()
    await expectNoSeriousA11yViolations(page, 'the import dialog with the licence picker')
    await importButton.scrollIntoViewIfNeeded()
    await shot(page, 'bundle-import-licence', { grow: false })

    // --- import: the result screen
    await importButton.click()
    await expect(dialog.getByRole('status').filter({ hasText: 'Imported' })).toBeVisible({ timeout: 60_000 })
    await expect(dialog.getByTestId('import-licence')).toHaveText('A new master licence of Acme Logistics (Gold) is bound to acme-production; the keys are on it.')
    const results = dialog.getByRole('table', { name: 'Import results per kind' })
    const row = (kind: string) => results.getByRole('row', { name: new RegExp(`^${kind} `) })
    // Kind | in the bundle | created | updated | skipped
    await expect(row('API keys').getByRole('cell')).toHaveText(['1', '1', '0', '0'])
    await expect(row('Service users').getByRole('cell')).toHaveText(['2', '2', '0', '0'])
    await expect(row('Tokens').getByRole('cell')).toHaveText(['1', '0', '0', '1'])
    const skipped = dialog.getByRole('table', { name: 'Skipped items' })
    await expect(skipped.getByRole('row')).toHaveCount(2)
    await expect(skipped.getByRole('row').nth(1)).toContainText('Token of svc-integrator')
    await expect(skipped.getByRole('row').nth(1)).toContainText('Not verifiable here')
    await expect(skipped.getByRole('row').nth(1)).toContainText('TOKEN_NOT_VERIFIABLE')
    const followUps = dialog.getByRole('list', { name: 'Follow-ups' })
    await expect(followUps.getByRole('listitem')).toHaveText(['svc-integrator: set a password', 'svc-reporting: set a password'])
    // Secrets stay in the file: neither the key nor the token appears on screen.
    expect(await page.locator('body').innerText()).not.toContain(erp.secret)
    await expectNoSeriousA11yViolations(page, 'the import result')
    await shot(page, 'bundle-import-result', { grow: false })

    // The key works in vault B, on the licence the import bound.
    const verified = await rpcB<{ code: string; licenceId?: string }>('keys.verify', { key: erp.secret })
    expect(verified.code).toBe('VALID')
    const bound = await rpcB<{ id: string; clientId: string }[]>('licences.list', { collectionId: collection.id })
    expect(bound).toHaveLength(1)
    expect(verified.licenceId).toBe(bound[0]!.id)

    // --- the records of the imported collection, one click away
    await dialog.getByRole('button', { name: 'Open records of acme-production' }).click()
    await expect(page.getByRole('dialog')).toHaveCount(0)
    await expect(page.getByRole('combobox', { name: 'Collection', exact: true })).toHaveValue('acme-production')
    await expect(page.getByTestId('records-total')).toHaveText('2 records')
    // each row says its user has no password yet, and offers no token until it has one
    const reportingRow = page.getByRole('row').filter({ hasText: 'svc-reporting' })
    await expect(reportingRow.getByText('no password', { exact: true })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Generate token for svc-reporting' })).toBeDisabled()
    await shot(page, 'records-imported-no-password')
    await page.getByRole('button', { name: 'More actions for svc-reporting' }).click()
    await page.getByRole('menuitem', { name: 'Edit service user' }).click()
    await expect(page.getByRole('dialog').getByText('No password yet (imported from a bundle): set one before generating tokens.')).toBeVisible()
    await expect(page.getByRole('dialog').getByRole('button', { name: 'Set password…' })).toBeVisible()
    await page.keyboard.press('Escape')

    // The same bundle a second time: inspect says so and the import stays shut.
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Import bundle…' }).click()
    await inspectBundle(page, bundleFile, BUNDLE_PASSPHRASE)
    await expect(dialog.getByText('Already imported into this vault')).toBeVisible()
    await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeDisabled()
  })
})
