import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { electronBinary } from '../../scripts/electron-binary.mjs'

// The real desktop window. Electron's binary cannot be downloaded on the build machines, so
// this spec runs wherever it is installed and reports itself as skipped, by name, elsewhere.
const binary = electronBinary()

test.describe('Electron desktop window', () => {
  test.skip(!binary, 'no Electron binary is installed on this machine (it cannot be downloaded here); the same UI is tested through the HTTP bridge')

  test.beforeAll(() => {
    const build = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' })
    expect(build.status).toBe(0)
  })

  test('opens a sandboxed window that exposes only the typed bridge', async () => {
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.'],
      env: { ...process.env, KEYWARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'keyward-electron-')) } as Record<string, string>,
    })
    const page = await app.firstWindow()
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined')
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined')
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as { keyward: object }).keyward).sort())).toEqual(['invoke', 'on'])
    // sandboxed + context-isolated: the page cannot reach Node even through the bridge object
    expect(await page.evaluate(() => Object.getPrototypeOf((globalThis as unknown as { keyward: object }).keyward) === Object.prototype)).toBe(true)
    const status = await page.evaluate(() => (globalThis as unknown as { keyward: { invoke(m: string, i: object): Promise<unknown> } }).keyward.invoke('vault.status', {}))
    expect(status).toMatchObject({ ok: true, value: { state: 'uninitialized' } })
    await app.close()
  })
})
