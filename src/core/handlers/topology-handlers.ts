import type { Handlers } from '../dispatcher'
import { collections, regions, servers } from '../topology/topology'
import type { CoreDeps } from './deps'

type TopologyHandlers = Pick<
  Handlers,
  | 'regions.list' | 'regions.create' | 'regions.rename' | 'regions.delete'
  | 'servers.list' | 'servers.create' | 'servers.rename' | 'servers.delete'
  | 'collections.list' | 'collections.create' | 'collections.rename' | 'collections.delete'
>

export function topologyHandlers(d: CoreDeps): TopologyHandlers {
  const changed = <T>(domain: string, value: T): T => {
    d.session().emit('data.changed', { domain })
    return value
  }
  return {
    'regions.list': () => regions.list(d.session()),
    'regions.create': ({ name }, ctx) => changed('regions', regions.create(d.session(), ctx.actor, name)),
    'regions.rename': ({ id, name }, ctx) => changed('regions', regions.rename(d.session(), ctx.actor, id, name)),
    'regions.delete': ({ id }, ctx) => changed('regions', regions.remove(d.session(), ctx.actor, id)),
    'servers.list': ({ regionId }) => servers.list(d.session(), regionId),
    'servers.create': ({ regionId, name }, ctx) => changed('servers', servers.create(d.session(), ctx.actor, regionId, name)),
    'servers.rename': ({ id, name }, ctx) => changed('servers', servers.rename(d.session(), ctx.actor, id, name)),
    'servers.delete': ({ id }, ctx) => changed('servers', servers.remove(d.session(), ctx.actor, id)),
    'collections.list': (scope) => collections.list(d.session(), scope),
    'collections.create': ({ serverId, name }, ctx) => changed('collections', collections.create(d.session(), ctx.actor, serverId, name)),
    'collections.rename': ({ id, name }, ctx) => changed('collections', collections.rename(d.session(), ctx.actor, id, name)),
    'collections.delete': ({ id }, ctx) => changed('collections', collections.remove(d.session(), ctx.actor, id)),
  }
}
