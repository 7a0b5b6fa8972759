import type { Dispatch, Handlers } from '../dispatcher'
import { loadSampleOrganisation } from '../sample/sample-organisation'
import type { CoreDeps } from './deps'

/** `dispatch` is the core's own dispatcher: the sample is built through public methods only. */
export function sampleHandlers(d: CoreDeps, dispatch: () => Dispatch): Pick<Handlers, 'sample.load'> {
  return {
    'sample.load': (_input, ctx) => loadSampleOrganisation(dispatch(), ctx, () => d.session().now().getTime()),
  }
}
