/**
 * The fixed answers of key verification (DESIGN §2), shared by the core, the remote
 * instance's /v1/keys/verify, the CLI and the UI. Never a bare boolean.
 */
export const VERIFY_CODES = [
  'VALID',
  'MALFORMED',
  'BAD_CHECKSUM',
  'NOT_FOUND',
  'DISABLED',
  'REVOKED',
  'EXPIRED',
  'IP_NOT_ALLOWED',
  'FORBIDDEN_METHOD',
  'RATE_LIMITED',
  'LICENCE_INACTIVE',
] as const
export type VerifyCode = (typeof VERIFY_CODES)[number]

export interface VerifyResult {
  code: VerifyCode
  keyId?: string
  collectionId?: string
  licenceId?: string
  applicationKind?: string
  permissions?: string[]
  /** When the key stops verifying (expiry or end of its rotation grace), if it does. */
  validUntil?: string
  /** RATE_LIMITED only: when the window has room again. */
  retryAfterMs?: number
}
