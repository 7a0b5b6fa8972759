import { expect, type test as base } from '@playwright/test'

/**
 * Fails each test of the describe block whose page logged an error or a warning. Stopping a
 * bridge at the end of a test cuts the page's event stream: those network errors are expected.
 */
export function failOnPageProblems(test: typeof base): void {
  const problems: string[] = []
  test.beforeEach(({ page }) => {
    problems.length = 0
    page.on('console', (message) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return
      if (/Failed to load resource: net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED|EMPTY_RESPONSE|CONNECTION_RESET)/.test(message.text())) return
      problems.push(`${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  })
  test.afterEach(() => {
    expect(problems, 'the page logged errors or warnings').toEqual([])
  })
}
