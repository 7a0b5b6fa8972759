import { bundleContents, exportBundle, importBundle, isImported, openBundle, type BundleOptions } from '../bundles/bundles'
import type { Handlers } from '../dispatcher'
import type { CoreDeps } from './deps'

const IMPORTED_DOMAINS = ['regions', 'servers', 'collections', 'clients', 'licences', 'keys', 'users'] as const

export function bundleHandlers(d: CoreDeps, options: BundleOptions = {}): Pick<Handlers, 'bundles.export' | 'bundles.inspect' | 'bundles.import'> {
  // An import can add regions, servers, a collection, a licence, keys and service users.
  const changed = <T>(value: T): T => {
    for (const domain of IMPORTED_DOMAINS) d.session().emit('data.changed', { domain })
    return value
  }
  return {
    'bundles.export': (input, ctx) => exportBundle(d.session(), ctx.actor, input, options),
    'bundles.inspect': async (input) => {
      const { fingerprint, manifest } = await openBundle(input)
      // Inspecting works on a locked vault (an integrator's machine); then it cannot say.
      let alreadyImported: boolean | null = null
      if (d.vault.state === 'unlocked') alreadyImported = isImported(d.session(), manifest.bundleId)
      return { fingerprint, contents: bundleContents(manifest), alreadyImported }
    },
    'bundles.import': async (input, ctx) => changed(await importBundle(d.session(), ctx.actor, input)),
  }
}
