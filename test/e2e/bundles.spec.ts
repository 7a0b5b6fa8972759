import { expect, test, type Page } from '@playwright/test'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expectNoSeriousA11yViolations } from './helpers/a11y'
import { makeDataDir, rpcFor, startBridge, type Bridge, type Rpc } from './helpers/bridge'
import { chooseBundleFile as chooseFile, inspectBundle } from './helpers/bundle-dialog'
import { failOnPageProblems } from './helpers/page-problems'
import { shot } from './helpers/screens'

const PASSPHRASE = 'Quartz-lantern-orbit-meadow-71'
const BUNDLE_PASSPHRASE = 'violet-harbor-quantum-seventeen-maple'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

async function pick(page: Page, field: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: field, exact: true }).click()
  await page.getByRole('option', { name: option, exact: true }).click()
}

const section = (page: Page, name: string) => page.getByRole('navigation').getByRole('button', { name, exact: true }).click()

interface Envelope {
  format: string
  schemaVersion: number
  signature: string
  signer: { fingerprint: string }
  manifest: { collection: { name: string }; items: { keys: { name: string; secret: string }[]; serviceUsers: unknown[]; tokens: { token: string }[]; endpoints: unknown[]; permissions: unknown[] } }
}

test.describe('integrator bundles in the UI', () => {
  failOnPageProblems()

  const data = makeDataDir()
  const work = makeDataDir()
  let bridge: Bridge | undefined
  test.afterAll(async () => {
    await bridge?.stop()
    data.remove()
    work.remove()
  })

  test('export to an age recipient and to a passphrase, open both with age, inspect and import through the dialog', async ({ page }) => {
    test.setTimeout(240_000)
    bridge = await startBridge(data.dir)
    const rpc = rpcFor(bridge)
    await rpc('vault.setup', { passphrase: PASSPHRASE })
    await rpc('sample.load', {})

    // The integrator's age key pair, made by Debian's age-keygen.
    const identityFile = join(work.dir, 'integrator.txt')
    execFileSync('age-keygen', ['-o', identityFile], { stdio: 'pipe' })
    const recipient = /public key: (age1[0-9a-z]+)/.exec(readFileSync(identityFile, 'utf8'))![1]!

    await page.goto(bridge.openUrl)
    await pick(page, 'Region', 'eu-west')
    await pick(page, 'Server', 'db-frankfurt-01')
    await pick(page, 'Collection', 'acme-staging')
    await section(page, 'API keys')
    await expect(page.getByRole('heading', { name: 'API keys' })).toBeVisible()
    const keys = await rpc<{ name: string; status: string; rotation: { state: string } }[]>('keys.list', { collectionId: await collectionId(rpc) })
    const current = keys.filter((k) => (k.status === 'active' || k.status === 'inactive') && k.rotation.state === 'none')
    expect(current.length).toBeGreaterThan(0)

    // A confirmation dialog's close button says what it does (review finding).
    await page.getByRole('button', { name: 'Group Integrations actions' }).click()
    await page.getByRole('menuitem', { name: 'Delete group' }).click()
    await expect(page.getByRole('dialog', { name: 'Delete group Integrations?' }).getByRole('button', { name: 'Close dialog' })).toBeVisible()
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
    await expect(page.getByRole('dialog')).toHaveCount(0)

    // --- step 1: the items of the collection, with counts
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Export bundle of acme-staging…' }).click()
    const wizard = page.getByRole('dialog', { name: 'Export an integrator bundle of acme-staging' })
    await expect(wizard.getByText(`All current (${current.length})`)).toBeVisible()
    await expect(wizard.getByText(`${current.length} keys`, { exact: true })).toBeVisible()
    await wizard.getByLabel('Include the current tokens of the chosen service users').check()
    // "None" for both leaves nothing to hand over: the wizard holds back.
    await wizard.getByRole('radiogroup', { name: 'API keys' }).getByText('None').click()
    await wizard.getByRole('radiogroup', { name: 'Service users' }).getByText('None').click()
    await expect(wizard.getByRole('button', { name: 'Next: recipients' })).toBeDisabled()
    await wizard.getByRole('radiogroup', { name: 'Service users' }).getByText(/^All \(/).click()
    // Choosing keys one by one starts with every current key ticked.
    await wizard.getByRole('radiogroup', { name: 'API keys' }).getByText('Choose…').click()
    await expect(wizard.getByRole('group', { name: 'API keys' }).getByRole('checkbox')).toHaveCount(current.length)
    await wizard.getByRole('radiogroup', { name: 'API keys' }).getByText(/^All current/).click()
    // The counts the wizard shows before export are the ones the core puts in the file.
    const shown = async (label: string) => Number(/\((\d+)\)/.exec((await wizard.getByText(new RegExp(`^${label} \\(`)).textContent())!)![1])
    const endpointsShown = await shown('Endpoints')
    const permissionsShown = await shown('Permissions')
    expect(permissionsShown).toBeGreaterThan(0)
    await expectNoSeriousA11yViolations(page, 'the export wizard, items')
    await shot(page, 'bundle-items', { grow: false })

    // --- step 2: recipients are checked line by line as they are pasted
    await wizard.getByRole('button', { name: 'Next: recipients' }).click()
    const recipients = wizard.getByLabel('Recipients', { exact: true })
    const mistyped = recipient.slice(0, -1) + (recipient.endsWith('q') ? 'p' : 'q')
    await recipients.fill(`${mistyped}\n${recipient}\nage1short`)
    const listed = wizard.getByRole('list', { name: 'Recipient problems' })
    await expect(listed.getByText(/^Line 1: The checksum does not match/)).toBeVisible()
    await expect(listed.getByText(/^Line 3: An age recipient is “age1” and 58 more characters; this one has 5/)).toBeVisible()
    await expect(wizard.getByText('1 valid recipient.')).toBeVisible()
    await expect(wizard.getByRole('button', { name: 'Next: review' })).toBeDisabled()
    await expectNoSeriousA11yViolations(page, 'the export wizard, recipients')
    await shot(page, 'bundle-recipients', { grow: false })
    await recipients.fill(recipient)
    await expect(listed).toHaveCount(0)

    // --- step 3: review, export, download
    await wizard.getByRole('button', { name: 'Next: review' }).click()
    await expect(wizard.getByRole('table', { name: 'Bundle summary' })).toContainText('eu-west › db-frankfurt-01 › acme-staging')
    await wizard.getByRole('button', { name: 'Sign, encrypt and export' }).click()
    await expect(wizard.getByText('Bundle ready')).toBeVisible({ timeout: 30_000 })
    await expect(wizard.getByRole('progressbar', { name: 'Bundle exported' })).toBeVisible()
    const tiles = wizard.getByRole('list', { name: 'Items in the bundle' })
    await expect(tiles.getByRole('listitem', { name: `${current.length} keys` })).toBeVisible()
    await expect(tiles.getByRole('listitem', { name: `${endpointsShown} endpoints` })).toBeVisible()
    await expect(tiles.getByRole('listitem', { name: `${permissionsShown} permissions` })).toBeVisible()
    const signer = (await wizard.getByTestId('bundle-signer').textContent())!.trim()
    const fingerprint = (await wizard.getByTestId('bundle-fingerprint').textContent())!.replace(/\s+/g, '')
    const downloading = page.waitForEvent('download')
    await wizard.getByRole('button', { name: 'Download bundle' }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toMatch(/^acme-staging-[0-9a-f]{8}\.keyward-bundle\.age\.asc$/)
    const recipientBundle = join(work.dir, download.suggestedFilename())
    await download.saveAs(recipientBundle)
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(execFileSync('sha256sum', [recipientBundle], { encoding: 'utf8' }).split(' ')[0]).toBe(fingerprint)

    // Debian's age opens it with the integrator's identity; the CLI checks the signature.
    const envelope = JSON.parse(execFileSync('age', ['-d', '-i', identityFile, recipientBundle], { encoding: 'utf8' })) as Envelope
    expect(envelope.format).toBe('keyward-bundle')
    expect(envelope.signer.fingerprint).toBe(signer)
    expect(envelope.manifest.collection.name).toBe('acme-staging')
    expect(envelope.manifest.items.keys.map((k) => k.name).sort()).toEqual(current.map((k) => k.name).sort())
    const verified = JSON.parse(
      execFileSync(process.execPath, ['bin/keyward.js', 'bundle', 'verify', recipientBundle, '-i', identityFile, '--expect-signer', signer, '--json'], { cwd: ROOT, encoding: 'utf8' }),
    ) as { signer: { fingerprint: string } }
    expect(verified.signer.fingerprint).toBe(signer)
    // The secrets are in the file, never on the screen.
    const screen = await page.locator('body').innerText()
    for (const k of envelope.manifest.items.keys) expect(screen).not.toContain(k.secret)
    for (const t of envelope.manifest.items.tokens) expect(screen).not.toContain(t.token)
    await shot(page, 'bundle-done', { grow: false })
    await page.emulateMedia({ colorScheme: 'dark' })
    await expectNoSeriousA11yViolations(page, 'the exported bundle, dark mode')
    await page.emulateMedia({ colorScheme: 'light' })
    await wizard.getByRole('button', { name: 'Close', exact: true }).click()

    // --- a second export from the records view, to a passphrase, binary
    await section(page, 'Records')
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Export bundle of acme-staging…' }).click()
    await wizard.getByRole('button', { name: 'Next: recipients' }).click()
    await wizard.getByText('A passphrase').click()
    await wizard.getByLabel('Bundle passphrase', { exact: true }).fill('acme2026')
    await expect(wizard.getByText(/^Strength: (Very weak|Weak|Fair)/)).toBeVisible()
    await wizard.getByLabel('Repeat the bundle passphrase').fill('acme2026')
    await expect(wizard.getByRole('button', { name: 'Next: review' })).toBeDisabled()
    await wizard.getByLabel('Bundle passphrase', { exact: true }).fill(BUNDLE_PASSPHRASE)
    await wizard.getByLabel('Repeat the bundle passphrase').fill(`${BUNDLE_PASSPHRASE}!`)
    await expect(wizard.getByText('The two passphrases differ.')).toBeVisible()
    await wizard.getByLabel('Repeat the bundle passphrase').fill(BUNDLE_PASSPHRASE)
    await wizard.getByRole('button', { name: 'Next: review' }).click()
    await wizard.getByLabel('ASCII armor (.age.asc)').uncheck()
    await wizard.getByRole('button', { name: 'Sign, encrypt and export' }).click()
    await expect(wizard.getByText('Bundle ready')).toBeVisible({ timeout: 30_000 })
    const secondDownload = page.waitForEvent('download')
    await wizard.getByRole('button', { name: 'Download bundle' }).click()
    const passphraseBundle = join(work.dir, (await secondDownload).suggestedFilename())
    expect(passphraseBundle).toMatch(/\.keyward-bundle\.age$/)
    await (await secondDownload).saveAs(passphraseBundle)
    await wizard.getByRole('button', { name: 'Close', exact: true }).click()
    // age asks for a passphrase on a terminal only; the core's reader opens it the same way here.
    expect(readFileSync(passphraseBundle).subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1')

    // --- import dialog: a wrong passphrase, an altered file, then inspect shows what is inside
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Import bundle…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Import an integrator bundle' })
    await chooseFile(page, passphraseBundle)
    await dialog.getByLabel('Bundle passphrase').fill('not-the-bundle-passphrase')
    await dialog.getByRole('button', { name: 'Inspect' }).click()
    await expect(dialog.getByRole('alert')).toContainText('Wrong passphrase')
    await expect(dialog.getByRole('alert')).toContainText('BUNDLE_BAD_PASSPHRASE')

    const altered = readFileSync(passphraseBundle)
    altered.writeUInt8(altered.readUInt8(altered.length - 20) ^ 0x01, altered.length - 20)
    const alteredFile = join(work.dir, 'altered.keyward-bundle.age')
    writeFileSync(alteredFile, altered)
    await chooseFile(page, alteredFile)
    await dialog.getByLabel('Bundle passphrase').fill(BUNDLE_PASSPHRASE)
    await dialog.getByRole('button', { name: 'Inspect' }).click()
    await expect(dialog.getByRole('alert')).toContainText('File altered')
    await expect(dialog.getByRole('alert')).toContainText('BUNDLE_TAMPERED')

    // A file larger than the browser bridge accepts is refused before it is read.
    const large = join(work.dir, 'large.keyward-bundle.age')
    writeFileSync(large, Buffer.alloc(800 * 1024, 0x61))
    await chooseFile(page, large)
    await expect(dialog.getByText(/^This file is 800\.0 KiB; this window imports bundles up to 700\.0 KiB/)).toBeVisible()
    await expect(dialog.getByRole('button', { name: 'Inspect' })).toBeDisabled()

    await inspectBundle(page, passphraseBundle, BUNDLE_PASSPHRASE)
    await expect(dialog.getByText('Signature verified')).toBeVisible()
    await expect(dialog.getByTestId('inspect-signer')).toHaveText(signer)
    await expect(dialog.getByRole('list', { name: 'Items in the bundle' }).getByRole('listitem', { name: `${current.length} keys` })).toBeVisible()
    await expect(dialog.getByRole('tabpanel').getByRole('row')).toHaveCount(current.length + 1)
    await expectNoSeriousA11yViolations(page, 'the import dialog')
    await shot(page, 'bundle-import', { grow: false })

    // The recipient bundle opens with the integrator's identity (a pasted identity file works),
    // and not with somebody else's.
    await chooseFile(page, recipientBundle)
    await dialog.getByText('age identity (AGE-SECRET-KEY-1…)').click()
    const otherIdentity = join(work.dir, 'other.txt')
    execFileSync('age-keygen', ['-o', otherIdentity], { stdio: 'pipe' })
    await dialog.getByRole('textbox', { name: 'age identity' }).fill(readFileSync(otherIdentity, 'utf8'))
    await dialog.getByRole('button', { name: 'Inspect' }).click()
    await expect(dialog.getByRole('alert')).toContainText('Not encrypted to this identity')
    await expect(dialog.getByRole('alert')).toContainText('BUNDLE_NOT_A_RECIPIENT')
    await dialog.getByRole('textbox', { name: 'age identity' }).fill(readFileSync(identityFile, 'utf8'))
    await dialog.getByRole('button', { name: 'Inspect' }).click()
    await expect(dialog.getByTestId('inspect-signer')).toHaveText(signer)
    await expect(dialog.getByRole('list', { name: 'Items in the bundle' }).getByRole('listitem', { name: `${envelope.manifest.items.tokens.length} tokens` })).toBeVisible()
    await dialog.getByRole('button', { name: 'Cancel' }).click()

    // --- a bundle of the collection alone imports once; the second time is a replay
    const bare = await rpc<{ file: string; fileName: string }>('bundles.export', {
      collectionId: await collectionId(rpc),
      passphrase: BUNDLE_PASSPHRASE,
      items: { keys: [], serviceUsers: [], tokens: false },
    })
    const bareFile = join(work.dir, bare.fileName)
    writeFileSync(bareFile, Buffer.from(bare.file, 'base64'))
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Import bundle…' }).click()
    await inspectBundle(page, bareFile, BUNDLE_PASSPHRASE)
    await expect(dialog.getByText('Signature verified')).toBeVisible()
    await dialog.getByRole('button', { name: 'Import', exact: true }).click()
    await expect(dialog.getByRole('status').filter({ hasText: 'Imported' })).toBeVisible({ timeout: 60_000 })
    // A bundle without keys needs no licence: the result says what (little) it did.
    await expect(dialog.getByRole('table', { name: 'Import results per kind' }).getByRole('row', { name: /^API keys / }).getByRole('cell')).toHaveText(['0', '0', '0', '0'])
    await expect(dialog.getByRole('list', { name: 'Follow-ups' })).toHaveCount(0)
    await expect(dialog.getByTestId('import-licence')).toHaveCount(0)
    await dialog.getByRole('button', { name: 'Close', exact: true }).click()
    await page.getByRole('button', { name: 'Bundles' }).click()
    await page.getByRole('menuitem', { name: 'Import bundle…' }).click()
    await inspectBundle(page, bareFile, BUNDLE_PASSPHRASE)
    await expect(dialog.getByText('Already imported into this vault')).toBeVisible()
    await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeDisabled()
    const audited = async (action: string) => (await rpc<{ entries: { details: { fingerprint?: string } }[] }>('audit.list', { action, limit: 20 })).entries
    expect((await audited('bundles.export')).some((e) => e.details.fingerprint === fingerprint)).toBe(true)
    expect(await audited('bundles.import')).toHaveLength(1)
    // The replay itself is refused by the core with its own code.
    await expect(rpc('bundles.import', { file: bare.file, passphrase: BUNDLE_PASSPHRASE })).rejects.toThrow(/BUNDLE_REPLAYED/)
  })
})

async function collectionId(rpc: Rpc): Promise<string> {
  const regions = await rpc<{ id: string; name: string }[]>('regions.list', {})
  const region = regions.find((r) => r.name === 'eu-west')!
  const servers = await rpc<{ id: string; name: string }[]>('servers.list', { regionId: region.id })
  const server = servers.find((s) => s.name === 'db-frankfurt-01')!
  const collections = await rpc<{ id: string; name: string }[]>('collections.list', { serverId: server.id })
  return collections.find((c) => c.name === 'acme-staging')!.id
}
