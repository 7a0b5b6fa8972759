import type { Handlers } from '../dispatcher'
import { identifyDigests } from '../scan/identify'
import type { CoreDeps } from './deps'

export function scanHandlers(d: CoreDeps): Pick<Handlers, 'scan.identify'> {
  return {
    'scan.identify': ({ digests }) => identifyDigests(d.session(), digests),
  }
}
