import { Writable } from 'node:stream'
import pino from 'pino'
import type { Logger } from '../../src/core/logger'

/** A real pino logger at the most verbose level, writing into memory. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { logger: pino({ level: 'trace' }, sink), text: () => chunks.join('') }
}
