import type { Page } from '@playwright/test'

/** Opens a bundle in the import dialog as a person would: file chooser, passphrase, Inspect. */
export async function chooseBundleFile(page: Page, path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('dialog').getByRole('button', { name: /Bundle file/ }).click()
  await (await chooser).setFiles(path)
}

export async function inspectBundle(page: Page, path: string, passphrase: string): Promise<void> {
  const dialog = page.getByRole('dialog')
  await chooseBundleFile(page, path)
  await dialog.getByLabel('Bundle passphrase').fill(passphrase)
  await dialog.getByRole('button', { name: 'Inspect' }).click()
}
