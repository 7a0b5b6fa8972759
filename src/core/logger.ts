import pino from 'pino'

/** The slice of pino's API the core uses, so tests can pass a recorder. */
export interface Logger {
  debug(obj: object, msg: string): void
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Structured logs to stderr. Redaction is a second line of defence: the core never passes
 * secret values to the logger in the first place.
 */
export function createLogger(level: string = process.env.KEYWARD_LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['passphrase', 'password', 'secret', 'token', 'key', '*.passphrase', '*.password', '*.secret', '*.token', '*.key'], censor: '[redacted]' },
    },
    destination,
  )
}
