import type { Handlers } from '../dispatcher'
import type { CoreDeps } from './deps'

export function prefsHandlers(d: CoreDeps): Pick<Handlers, 'prefs.get' | 'prefs.set'> {
  return {
    'prefs.get': () => d.prefs.get(),
    'prefs.set': (patch) => d.prefs.set(patch),
  }
}
