import type { Handlers } from '../dispatcher'
import type { SyncClient } from '../sync/sync-client'

type SyncHandlers = Pick<Handlers, 'sync.status' | 'sync.configure' | 'sync.disconnect' | 'sync.preview' | 'sync.run' | 'sync.conflicts' | 'sync.resolveConflict'>

export function syncHandlers(sync: SyncClient): SyncHandlers {
  return {
    'sync.status': () => sync.status(),
    'sync.configure': (input, ctx) => sync.configure(input, ctx.actor),
    'sync.disconnect': (_input, ctx) => sync.disconnect(ctx.actor),
    'sync.preview': ({ collectionId, limit }) => sync.preview(collectionId, limit),
    'sync.run': (input, ctx) => sync.run(input, ctx.actor),
    'sync.conflicts': ({ collectionId, includeResolved }) => sync.conflicts(collectionId, includeResolved),
    'sync.resolveConflict': ({ id, resolution }, ctx) => sync.resolveConflict(id, resolution, ctx.actor),
  }
}
