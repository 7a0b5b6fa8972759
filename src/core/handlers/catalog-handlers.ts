import { applications } from '../applications/applications'
import { getCatalog } from '../catalog/catalog'
import type { Handlers } from '../dispatcher'
import type { CoreDeps } from './deps'

export function catalogHandlers(d: CoreDeps): Pick<Handlers, 'catalog.get' | 'applications.list' | 'applications.create' | 'applications.update'> {
  const changed = <T>(value: T): T => {
    d.session().emit('data.changed', { domain: 'applications' })
    return value
  }
  return {
    'catalog.get': () => getCatalog(),
    'applications.list': () => applications.list(d.session()),
    'applications.create': (input, ctx) => changed(applications.create(d.session(), ctx.actor, input)),
    'applications.update': (input, ctx) => changed(applications.update(d.session(), ctx.actor, input)),
  }
}
