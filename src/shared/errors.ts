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
  'VAULT_NOT_EMPTY',
  // remote instance: accounts, devices, gateway tokens, operations
  'NOT_FOUND',
  'FORBIDDEN',
  'UNSUPPORTED_MEDIA_TYPE',
  'LOGIN_FAILED',
  'TOTP_REQUIRED',
  'LOGIN_RATE_LIMITED',
  'REQUEST_RATE_LIMITED',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'USERNAME_TAKEN',
  'WEAK_PASSWORD',
  'DEVICE_NOT_FOUND',
  'GATEWAY_TOKEN_NOT_FOUND',
  'NOT_READY',
  'SERVER_KEY_MISMATCH',
  // sync (DESIGN §6)
  'OP_ID_REUSED',
  'SECRET_IN_CLEAR',
  'COLLECTION_UNKNOWN',
  'CONFLICT_NOT_FOUND',
  'ORGANISATION_NOT_SET',
  // the desktop's sync client (DESIGN §6)
  'SYNC_NOT_CONFIGURED',
  'SYNC_ALREADY_CONFIGURED',
  'SYNC_UNREACHABLE',
  'SYNC_AUTH_FAILED',
  'SYNC_PASSPHRASE_MISMATCH',
  'SYNC_PREVIEW_REQUIRED',
  'SYNC_IN_PROGRESS',
  'SYNC_SERVER_REFUSED',
  // clients and master licences (seed 000)
  'CLIENT_NOT_FOUND',
  'CLIENT_HAS_LICENCES',
  'LICENCE_NOT_FOUND',
  'LICENCE_LIMIT_REACHED',
  'COLLECTION_ALREADY_LICENSED',
  'LICENCE_HAS_KEYS',
  'TIER_DOWNGRADE_ORPHANS',
  'TIER_RELEASE_MISMATCH',
  // application kinds and the permission catalog (seeds 000, 002, 003)
  'APPLICATION_NOT_FOUND',
  'APPLICATION_PREFIX_INVALID',
  'APPLICATION_PREFIX_TAKEN',
  'PERMISSION_UNKNOWN',
  // API keys (seeds 000–003, DESIGN §1–2)
  'KEY_NOT_FOUND',
  'KEY_GROUP_NOT_FOUND',
  'KEY_GROUP_MISMATCH',
  'LICENCE_REQUIRED',
  'KEY_ALREADY_EXISTS_FOR_APPLICATION',
  'KEY_REVOKED',
  'KEY_ROTATED',
  'KEY_EXPIRY_INVALID',
  'IP_RULE_INVALID',
  'URL_INVALID',
  // service users, records and tokens (seeds 001, 003)
  'USER_NOT_FOUND',
  'USERNAME_INVALID',
  'USER_PASSWORD_WEAK',
  'USER_CONTACT_REQUIRED',
  'USER_CONTACT_INVALID',
  'USER_KEY_INVALID',
  'PERMISSION_NOT_IN_KEY',
  'ENDPOINT_INVALID',
  'TOTP_NOT_PENDING',
  'TOTP_NOT_ENABLED',
  'TOTP_CODE_INVALID',
  'TOKEN_BAD_CREDENTIALS',
  'TOKEN_TOTP_REQUIRED',
  'TOKEN_RATE_LIMITED',
  'TOKEN_USER_INACTIVE',
  'TOKEN_KEY_UNUSABLE',
  'TOKEN_PASSWORD_NOT_SET',
  'TOKEN_NOT_FOUND',
  'SIGNING_KEY_NOT_FOUND',
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
