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
 * Field names that may carry a secret, wherever they appear in a log object. Redaction is a
 * second line of defence: the code never passes secret values to the logger in the first
 * place. The request paths cover Fastify's request logging on the remote instance.
 */
export const REDACT_PATHS = [
  'passphrase',
  'password',
  'secret',
  'token',
  'key',
  'totp',
  '*.passphrase',
  '*.password',
  '*.secret',
  '*.token',
  '*.key',
  '*.totp',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
]

/** A full pino logger (Fastify wants one) with the shared redaction rules. */
export function createPinoLogger(level: string = process.env.KEYWARD_LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination(2)): pino.Logger {
  return pino({ level, base: undefined, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination)
}

/** Structured logs to stderr. */
export function createLogger(level?: string, destination?: pino.DestinationStream): Logger {
  return createPinoLogger(level, destination)
}
