import type { Handlers } from '../dispatcher'
import { records } from '../records/records'
import { users } from '../users/users'
import type { CoreDeps } from './deps'

type UserHandlers = Pick<
  Handlers,
  | 'users.list' | 'users.get' | 'users.create' | 'users.update' | 'users.setStatus' | 'users.delete'
  | 'users.resetPassword' | 'users.setupTotp' | 'users.confirmTotp' | 'users.disableTotp'
  | 'records.list'
>

export function userHandlers(d: CoreDeps): UserHandlers {
  const changed = <T>(value: T): T => {
    d.session().emit('data.changed', { domain: 'users' })
    return value
  }
  return {
    'users.list': (scope) => users.list(d.session(), scope),
    'users.get': ({ id }) => users.get(d.session(), id),
    'users.create': async (input, ctx) => changed(await users.create(d.session(), ctx.actor, input)),
    'users.update': (input, ctx) => changed(users.update(d.session(), ctx.actor, input)),
    'users.setStatus': ({ id, status }, ctx) => changed(users.setStatus(d.session(), ctx.actor, id, status)),
    'users.delete': ({ id }, ctx) => changed(users.remove(d.session(), ctx.actor, id)),
    'users.resetPassword': async ({ id, password }, ctx) => changed(await users.resetPassword(d.session(), ctx.actor, id, password)),
    'users.setupTotp': async ({ id }, ctx) => changed(await users.setupTotp(d.session(), ctx.actor, id)),
    'users.confirmTotp': ({ id, code }, ctx) => changed(users.confirmTotp(d.session(), ctx.actor, id, code)),
    'users.disableTotp': ({ id }, ctx) => changed(users.disableTotp(d.session(), ctx.actor, id)),
    'records.list': (q) => records.list(d.session(), q),
  }
}
