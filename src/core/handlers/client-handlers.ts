import { clients } from '../clients/clients'
import type { Handlers } from '../dispatcher'
import { licences } from '../licences/licences'
import type { CoreDeps } from './deps'

type ClientHandlers = Pick<
  Handlers,
  | 'clients.list' | 'clients.get' | 'clients.create' | 'clients.update' | 'clients.delete' | 'clients.setTier'
  | 'licences.list' | 'licences.get' | 'licences.create' | 'licences.setStatus' | 'licences.rebind' | 'licences.delete' | 'licences.previewTierChange'
>

export function clientHandlers(d: CoreDeps): ClientHandlers {
  const changed = <T>(domain: string, value: T): T => {
    d.session().emit('data.changed', { domain })
    return value
  }
  /** Releasing or (de)activating licences changes what keys do, so key views refresh too. */
  const keysToo = <T>(domain: string, value: T): T => changed('keys', changed(domain, value))
  return {
    'clients.list': () => clients.list(d.session()),
    'clients.get': ({ id }) => clients.get(d.session(), id),
    'clients.create': (input, ctx) => changed('clients', clients.create(d.session(), ctx.actor, input)),
    'clients.update': (input, ctx) => changed('clients', clients.update(d.session(), ctx.actor, input)),
    'clients.delete': ({ id }, ctx) => changed('clients', clients.remove(d.session(), ctx.actor, id)),
    'clients.setTier': (input, ctx) => keysToo('clients', clients.setTier(d.session(), ctx.actor, input)),
    'licences.list': (scope) => licences.list(d.session(), scope),
    'licences.get': ({ id }) => licences.get(d.session(), id),
    'licences.create': ({ clientId, collectionId }, ctx) => changed('licences', licences.create(d.session(), ctx.actor, clientId, collectionId)),
    'licences.setStatus': ({ id, status }, ctx) => keysToo('licences', licences.setStatus(d.session(), ctx.actor, id, status)),
    'licences.rebind': ({ id, collectionId }, ctx) => changed('licences', licences.rebind(d.session(), ctx.actor, id, collectionId)),
    'licences.delete': ({ id }, ctx) => keysToo('licences', { done: true as const, deactivatedKeyIds: licences.remove(d.session(), ctx.actor, id).deactivatedKeyIds }),
    'licences.previewTierChange': ({ clientId, tier, releaseLicenceIds }) => clients.previewTierChange(d.session(), clientId, tier, releaseLicenceIds),
  }
}
