import { z } from 'zod'
import { Id } from '../model'
import { method, SecretInput } from './define'

export const DEFAULT_TOKEN_TTL_SECONDS = 3600
export const TOKEN_TTL_LIMITS = { min: 60, max: 86_400 } as const

/**
 * The fixed answers of token verification (used by the remote instance's introspection),
 * never a bare boolean, in the order the checks run.
 */
export const TOKEN_VERIFY_CODES = [
  'VALID',
  'MALFORMED',
  'BAD_ALGORITHM',
  'UNKNOWN_KEY',
  'BAD_SIGNATURE',
  'WRONG_ISSUER',
  'WRONG_AUDIENCE',
  'EXPIRED',
  'NOT_YET_VALID',
  'NOT_FOUND',
  'REVOKED',
  'SUBJECT_INACTIVE',
] as const
export type TokenVerifyCode = (typeof TOKEN_VERIFY_CODES)[number]

export const TokenStatus = z.enum(['valid', 'expired', 'revoked'])

export const TokenInfo = z.object({
  /** The JWT `jti`. */
  id: Id,
  userId: Id,
  collectionId: Id,
  keyId: Id,
  kid: z.string(),
  audience: z.string(),
  scope: z.array(z.string()),
  issuedAt: z.string(),
  expiresAt: z.string(),
  status: TokenStatus,
  revokedAt: z.string().nullable(),
  revokedReason: z.string().nullable(),
})
export type TokenInfo = z.infer<typeof TokenInfo>

export const Jwk = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), alg: z.literal('EdDSA'), use: z.literal('sig') })

const Credentials = {
  clientId: z.string().max(64),
  password: SecretInput,
  /** The current code of the user's authenticator, when its authentication method is password + TOTP. */
  totp: z.string().max(16).optional(),
  ttlSeconds: z.number().int().min(TOKEN_TTL_LIMITS.min).max(TOKEN_TTL_LIMITS.max).default(DEFAULT_TOKEN_TTL_SECONDS),
}
/** Tokens (JWTs) can carry long scopes; still bounded. */
const TokenInput = z.string().max(16_384)

export const tokenMethods = {
  'tokens.generate': method(
    'Verify a service user\'s client ID + password (+ TOTP) and issue a signed JWT (EdDSA, per-collection key); attempts are rate-limited and audited',
    z.union([
      z.strictObject({ userId: Id, ...Credentials }),
      z.strictObject({ username: z.string().max(256), collectionId: Id, ...Credentials }),
    ]),
    z.object({ token: z.string(), tokenType: z.literal('Bearer'), info: TokenInfo }),
  ),
  'tokens.history': method(
    '"View more": the tokens issued to a service user, newest first (values via tokens.reveal)',
    z.strictObject({ userId: Id, limit: z.number().int().min(1).max(200).default(50) }),
    z.array(TokenInfo),
  ),
  'tokens.reveal': method('Show an issued token again (audited)', z.strictObject({ id: Id }), z.object({ token: z.string(), info: TokenInfo })),
  'tokens.revoke': method('Revoke an issued token now and for good', z.strictObject({ id: Id, reason: z.string().max(500).optional() }), TokenInfo),
  'tokens.verify': method(
    'Verify a token as an API would: signature against the collection\'s JWKS, issuer, audience, expiry, revocation, subject',
    z.strictObject({ token: TokenInput, audience: z.string().max(256).optional() }),
    z.object({
      code: z.enum(TOKEN_VERIFY_CODES),
      tokenId: Id.optional(),
      userId: Id.optional(),
      clientId: z.string().optional(),
      collectionId: Id.optional(),
      scope: z.array(z.string()).optional(),
      expiresAt: z.string().optional(),
    }),
  ),
  'tokens.jwks': method(
    'The public signing keys of a collection (current and retired ones still covering unexpired tokens) as a JWKS',
    z.strictObject({ collectionId: Id }),
    z.object({ keys: z.array(Jwk) }),
  ),
  'tokens.rotateSigningKey': method(
    'Start a new signing key for a collection; the old one signs nothing more but stays in the JWKS until its last token expires',
    z.strictObject({ collectionId: Id }),
    z.object({ kid: z.string(), retired: z.array(z.object({ kid: z.string(), notAfter: z.string() })) }),
  ),
} as const
