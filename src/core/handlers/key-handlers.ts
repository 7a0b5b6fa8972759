import type { Handlers } from '../dispatcher'
import { keyGroups } from '../keys/key-groups'
import { keys } from '../keys/keys'
import type { CoreDeps } from './deps'

type KeyHandlers = Pick<
  Handlers,
  | 'keys.list' | 'keys.get' | 'keys.create' | 'keys.update' | 'keys.setStatus' | 'keys.rotate' | 'keys.revoke' | 'keys.delete'
  | 'keys.reveal' | 'keys.copy' | 'keys.verify'
  | 'keyGroups.list' | 'keyGroups.create' | 'keyGroups.rename' | 'keyGroups.delete'
>

export function keyHandlers(d: CoreDeps): KeyHandlers {
  const changed = <T>(domain: string, value: T): T => {
    d.session().emit('data.changed', { domain })
    return value
  }
  return {
    'keys.list': (filter) => keys.list(d.session(), filter),
    'keys.get': ({ id }) => keys.get(d.session(), id),
    'keys.create': (input, ctx) => changed('keys', keys.create(d.session(), ctx.actor, input)),
    'keys.update': (input, ctx) => changed('keys', keys.update(d.session(), ctx.actor, input)),
    'keys.setStatus': ({ id, status, reason }, ctx) => changed('keys', keys.setStatus(d.session(), ctx.actor, id, status, reason)),
    'keys.rotate': ({ id, graceHours }, ctx) => changed('keys', keys.rotate(d.session(), ctx.actor, id, graceHours)),
    'keys.revoke': ({ id, reason }, ctx) => changed('keys', keys.revoke(d.session(), ctx.actor, id, reason)),
    'keys.delete': ({ id }, ctx) => changed('keys', keys.remove(d.session(), ctx.actor, id)),
    'keys.reveal': ({ id }, ctx) => keys.disclose(d.session(), ctx.actor, id, 'reveal'),
    'keys.copy': ({ id }, ctx) => keys.disclose(d.session(), ctx.actor, id, 'copy'),
    'keys.verify': ({ key, ip, method }) => keys.verify(d.session(), key, ip, method),
    'keyGroups.list': ({ collectionId }) => keyGroups.list(d.session(), collectionId),
    'keyGroups.create': ({ collectionId, name }, ctx) => changed('keyGroups', keyGroups.create(d.session(), ctx.actor, collectionId, name)),
    'keyGroups.rename': ({ id, name }, ctx) => changed('keyGroups', keyGroups.rename(d.session(), ctx.actor, id, name)),
    'keyGroups.delete': ({ id }, ctx) => changed('keyGroups', keyGroups.remove(d.session(), ctx.actor, id)),
  }
}
