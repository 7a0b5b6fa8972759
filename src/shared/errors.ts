/**
 * Stable error codes. Codes are part of the public contract (UI, CLI, HTTP bridge and the
 * remote instance all switch on them); messages are for people and never carry secrets.
 */
export const errorCodes = [
  // transport and dispatch
  'UNKNOWN_METHOD',
  'INVALID_INPUT',
  'INVALID_OUTPUT',
  'INTERNAL',
  'UNAUTHORIZED',
  'FORBIDDEN_SENDER',
  'PAYLOAD_TOO_LARGE',
  // vault and store
  'VAULT_NOT_INITIALIZED',
  'VAULT_ALREADY_INITIALIZED',
  'VAULT_LOCKED',
  'VAULT_BAD_PASSPHRASE',
  'VAULT_WEAK_PASSPHRASE',
  'VAULT_CORRUPT',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_NOT_ENABLED',
  'MIGRATION_CHANGED',
  'MIGRATION_FAILED',
  // topology
  'NAME_INVALID',
  'NAME_TAKEN',
  'REGION_NOT_FOUND',
  'SERVER_NOT_FOUND',
  'COLLECTION_NOT_FOUND',
  'NOT_EMPTY',
  // files handed to the CLI or the core
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'FILE_WRITE_FAILED',
  'FILE_TOO_LARGE',
  'PASSPHRASE_REQUIRED',
  // signed audit reports
  'AUDIT_CHAIN_BROKEN',
  'REPORT_MALFORMED',
  'REPORT_UNSIGNED',
  'REPORT_BAD_SIGNATURE',
  'REPORT_WRONG_SIGNER',
  // integrator bundles
  'BUNDLE_RECIPIENT_INVALID',
  'BUNDLE_WEAK_PASSPHRASE',
  'BUNDLE_MALFORMED',
  'BUNDLE_BAD_PASSPHRASE',
  'BUNDLE_NOT_A_RECIPIENT',
  'BUNDLE_TRUNCATED',
  'BUNDLE_TAMPERED',
  'BUNDLE_SCHEMA_UNSUPPORTED',
  'BUNDLE_BAD_SIGNATURE',
  'BUNDLE_WRONG_SIGNER',
  'BUNDLE_REPLAYED',
  'BUNDLE_CONFLICT',
  'BUNDLE_ITEMS_UNSUPPORTED',
  // leak scan
  'SCAN_PATH_NOT_FOUND',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface ErrorPayload {
  code: ErrorCode
  message: string
}

/** The one error type core code throws on purpose; anything else becomes INTERNAL. */
export class KeywardError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'KeywardError'
    this.code = code
  }
  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message }
  }
}

export function isKeywardError(value: unknown): value is KeywardError {
  return value instanceof KeywardError
}
