import { expect, test } from '@playwright/test'

/** Stopping a bridge at the end of a test cuts the page's event stream: not the page's fault. */
const BRIDGE_GONE = /Failed to load resource: net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED|EMPTY_RESPONSE|CONNECTION_RESET)/

/** Call inside a describe: each test fails when its page logged an error or a warning, or threw. */
export function failOnPageProblems(): void {
  const problems: string[] = []
  test.beforeEach(({ page }) => {
    problems.length = 0
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return
      if (BRIDGE_GONE.test(message.text())) return
      problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  })
  test.afterEach(() => {
    expect(problems, 'the page logged errors or warnings').toEqual([])
  })
}
