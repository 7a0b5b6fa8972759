import type { Handlers } from '../dispatcher'
import { collectionJwks, rotateSigningKey } from '../tokens/signing-keys'
import { verifyToken } from '../tokens/token-verify'
import { tokens } from '../tokens/tokens'
import type { CoreDeps } from './deps'

type TokenHandlers = Pick<
  Handlers,
  'tokens.generate' | 'tokens.history' | 'tokens.reveal' | 'tokens.revoke' | 'tokens.verify' | 'tokens.jwks' | 'tokens.rotateSigningKey'
>

export function tokenHandlers(d: CoreDeps): TokenHandlers {
  const changed = <T>(value: T): T => {
    d.session().emit('data.changed', { domain: 'tokens' })
    return value
  }
  return {
    'tokens.generate': async (input, ctx) => changed(await tokens.generate(d.session(), ctx.actor, input)),
    'tokens.history': ({ userId, limit }) => tokens.history(d.session(), userId, limit),
    'tokens.reveal': ({ id }, ctx) => tokens.reveal(d.session(), ctx.actor, id),
    'tokens.revoke': ({ id, reason }, ctx) => changed(tokens.revoke(d.session(), ctx.actor, id, reason)),
    'tokens.verify': ({ token, audience }) => verifyToken(d.session(), token, audience),
    'tokens.jwks': ({ collectionId }) => collectionJwks(d.session(), collectionId),
    'tokens.rotateSigningKey': ({ collectionId }, ctx) => changed(rotateSigningKey(d.session(), ctx.actor, collectionId)),
  }
}
