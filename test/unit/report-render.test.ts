import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { openCore, type TestCore } from '../helpers/core'
import { makeLicensedCollection } from '../helpers/keys'
import { makeUser } from '../helpers/users'

/**
 * The printable HTML report in Debian's Chromium: rendered to PNG (kept as evidence in
 * test-results/screens/audit-report.png) and to PDF, with no network access at all.
 */
const SCREENS = join(__dirname, '../../test-results/screens')
let t: TestCore | undefined
afterEach(async () => {
  await t?.close()
  t = undefined
})

describe('the HTML audit report in Chromium', () => {
  it('renders every finding with its fix link, loads nothing from outside, and prints to PDF', async () => {
    t = await openCore()
    const { collection, licence } = await makeLicensedCollection(t.client)
    const erp = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'XSS ERP <b>bold</b>' })
    await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'Flows', allowedIps: ['10.0.0.0/8'], expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() })
    await makeUser(t.client, collection.id, erp.key.id, { username: 'svc-erp' })
    await t.client.call('licences.setStatus', { id: licence.id, status: 'inactive' })
    const { report, files } = await t.client.call('audit.report', { formats: ['html'] })
    const html = files[0]!.content
    expect(report.findings.length).toBeGreaterThan(3)

    const browser = await chromium.launch({
      executablePath: process.env.KEYWARD_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 })
      const requests: string[] = []
      page.on('request', (r) => requests.push(r.url()))
      await page.setContent(html, { waitUntil: 'load' })
      expect(requests).toEqual([])
      const rows = page.locator('tbody tr').filter({ has: page.locator('.sev') })
      expect(await rows.count()).toBe(report.findings.length)
      // names from the store are shown as text, never as markup
      expect(await page.locator('b', { hasText: 'bold' }).count()).toBe(0)
      await expect.poll(() => page.getByText('XSS ERP <b>bold</b>').first().isVisible()).toBe(true)
      for (const f of report.findings.filter((x) => x.fix.route)) expect(await page.getByText(f.fix.route!, { exact: true }).count()).toBeGreaterThan(0)
      mkdirSync(SCREENS, { recursive: true })
      const png = await page.screenshot({ path: join(SCREENS, 'audit-report.png'), fullPage: true })
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      const pdf = await page.pdf({ format: 'A4', printBackground: true })
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
      writeFileSync(join(SCREENS, 'audit-report.pdf'), pdf)
    } finally {
      await browser.close()
    }
  })
})
