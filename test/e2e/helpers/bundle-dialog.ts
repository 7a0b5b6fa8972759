import { expect, type Page } from '@playwright/test'

/** Opens a bundle in the import dialog as a person would: file chooser, passphrase, Inspect. */
export async function chooseBundleFile(page: Page, path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('dialog').getByRole('button', { name: /Bundle file/ }).click()
  await (await chooser).setFiles(path)
}

/**
 * Opens a passphrase bundle and waits until its signature is shown. age derives the key with
 * scrypt, slow by design: on a busy machine that alone took longer than the default expect
 * timeout (CI failed on it with the answer arriving just after), so this wait is longer.
 */
export async function inspectBundle(page: Page, path: string, passphrase: string): Promise<void> {
  const dialog = page.getByRole('dialog')
  await chooseBundleFile(page, path)
  await dialog.getByLabel('Bundle passphrase').fill(passphrase)
  await dialog.getByRole('button', { name: 'Inspect' }).click()
  await expect(dialog.getByText('Signature verified')).toBeVisible({ timeout: 60_000 })
}
