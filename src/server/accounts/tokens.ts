import { hash, randomBytes } from 'node:crypto'

/**
 * Bearer tokens: a kind prefix (so a leak scanner and the auth hook can tell them apart)
 * and 32 random bytes, base64url. Only the SHA-256 of the whole token is ever stored; the
 * token is returned once, when it is issued.
 */
export const TOKEN_PREFIX = { device: 'kwd_', gateway: 'kwg_' } as const
export type TokenKind = keyof typeof TOKEN_PREFIX

const SHAPE = /^(kwd|kwg)_[A-Za-z0-9_-]{43}$/

export function issueToken(kind: TokenKind): { token: string; tokenHash: string } {
  const token = `${TOKEN_PREFIX[kind]}${randomBytes(32).toString('base64url')}`
  return { token, tokenHash: tokenHash(token) }
}

/** One-shot SHA-256 (every gateway request hashes its token: no Hash object per call). */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'hex')
}

/** The kind of a well-formed token, or undefined for anything else. */
export function tokenKind(token: string): TokenKind | undefined {
  const m = SHAPE.exec(token)
  if (!m) return undefined
  return m[1] === 'kwd' ? 'device' : 'gateway'
}
