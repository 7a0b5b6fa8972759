import { sign, type KeyObject } from 'node:crypto'

/**
 * Compact JWS with EdDSA (RFC 8037). Signing is synchronous so a token is signed and stored
 * in the same SQLite transaction as its audit entry; verification goes through jose
 * (token-verify.ts), which also proves these tokens are standard.
 */
export interface JwtHeader {
  alg: 'EdDSA'
  typ: 'JWT'
  kid: string
}

export interface TokenClaims {
  iss: string
  sub: string
  aud: string
  client_id: string
  scope: string
  iat: number
  exp: number
  jti: string
}

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

export function signJwt(header: JwtHeader, claims: TokenClaims, privateKey: KeyObject): string {
  const input = `${part(header)}.${part(claims)}`
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
}

/** `keyward:<installation id>`: which Keyward issued the token. */
export const issuerOf = (installationId: string) => `keyward:${installationId}`
