import type { Handlers } from '../dispatcher'
import { installationInfo } from '../signing/installation-key'
import type { CoreDeps } from './deps'

export function installationHandlers(d: CoreDeps): Pick<Handlers, 'installation.info'> {
  return {
    'installation.info': (_input, ctx) => installationInfo(d.session(), ctx.actor),
  }
}
