import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'
import { pointerAway } from './screens'

/** Fails with a readable list when axe finds a serious or critical violation on the page. */
export async function expectNoSeriousA11yViolations(page: Page, where: string): Promise<void> {
  // a hover tooltip opening while axe reads the page is caught half faded in (its contrast
  // measured against the page behind): the check is of the page, so the pointer moves away first
  await pointerAway(page)
  // colour contrast is measured on what is painted: an element fading in (a notification, a
  // modal) has not reached its colours yet, so wait until no transition or animation has run
  // for several frames in a row (a transition starts a frame or two after its element mounts,
  // so one quiet frame proves nothing; spinners loop forever and are left out); a page that
  // never settles is checked anyway
  await page.evaluate(() => {
    ;(globalThis as unknown as { __kwQuietFrames: number }).__kwQuietFrames = 0
  })
  await page
    .waitForFunction(
      () => {
        // a function, not a string: the app's CSP forbids eval; typed here without the DOM lib
        const g = globalThis as unknown as {
          __kwQuietFrames: number
          document: { getAnimations(): { playState: string; effect: { getTiming(): { iterations?: number } } | null }[] }
        }
        const busy = g.document.getAnimations().some((a) => a.playState === 'running' && a.effect?.getTiming().iterations !== Infinity)
        g.__kwQuietFrames = busy ? 0 : g.__kwQuietFrames + 1
        return g.__kwQuietFrames >= 12
      },
      undefined,
      { polling: 'raf', timeout: 10_000 },
    )
    .catch(() => undefined)
  // Something can still start moving while axe reads the page (a notification whose time is up
  // fades out, and axe measured its text at a contrast of 1.09 against the page). For the
  // reading, transitions and animations are switched off, so every element stands at its end
  // state: fully shown and measured, or hidden and left out. Removed again afterwards.
  const still = await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; }' })
  const { violations } = await new AxeBuilder({ page }).analyze().finally(() => still.evaluate((node) => (node as unknown as { remove(): void }).remove()))
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const summary = serious.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`).join('\n')
  expect(serious, `accessibility violations on ${where}:\n${summary}`).toEqual([])
}
