import { expect, type Page } from '@playwright/test'
import { copyFileSync, mkdirSync } from 'node:fs'

export const SCREENS = 'test-results/screens'
const DOCS = 'docs/screenshots'

export interface ShotOptions {
  /**
   * Grow the window to the page's height instead of using fullPage: the shell's navbar and
   * header are fixed, so a long screen is shown the way a tall window would show it.
   */
  grow?: boolean
  /** Scroll open dialogs to their top first, where their heading and summary are. */
  dialogsToTop?: boolean
  /**
   * Also copy the picture to docs/screenshots (the README's pictures), when the run asks for
   * it with KEYWARD_DOCS_SCREENSHOTS=1: the pictures hold random key hints, so an ordinary
   * test run must not leave the committed ones modified.
   */
  docs?: boolean
  /** Keep notifications in the picture, when one (a sync summary) is what it shows. */
  toasts?: boolean
}

/**
 * Moves the pointer to the window's bottom-right corner (empty in every screen) and waits
 * until no hover tooltip is shown: what the page shows then is the page, not what the last
 * click left under the pointer (a tooltip opens 300 ms after the hover, then fades in).
 */
export async function pointerAway(page: Page): Promise<void> {
  const viewport = page.viewportSize()!
  await page.mouse.move(viewport.width - 5, viewport.height - 5)
  await expect(page.getByRole('tooltip')).toHaveCount(0)
}

/** A screenshot for people to look at: no pointer hover, tooltip or (unless asked for) toast in the way. */
export async function shot(page: Page, name: string, { grow = true, dialogsToTop = false, docs = false, toasts = false }: ShotOptions = {}): Promise<void> {
  const viewport = page.viewportSize()!
  await pointerAway(page)
  if (!toasts) await expect(page.locator('.mantine-Notification-root')).toHaveCount(0, { timeout: 15_000 })
  mkdirSync(SCREENS, { recursive: true })
  if (dialogsToTop) await page.evaluate("document.querySelectorAll('[role=dialog], [role=dialog] *').forEach((e) => { e.scrollTop = 0 })")
  const height = grow ? Number(await page.evaluate('document.documentElement.scrollHeight')) : 0
  if (height > viewport.height) await page.setViewportSize({ width: viewport.width, height })
  await page.screenshot({ path: `${SCREENS}/${name}.png` })
  if (height > viewport.height) await page.setViewportSize(viewport)
  if (docs && process.env.KEYWARD_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS, { recursive: true })
    copyFileSync(`${SCREENS}/${name}.png`, `${DOCS}/${name}.png`)
  }
}
