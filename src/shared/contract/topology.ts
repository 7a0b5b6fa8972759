import { z } from 'zod'
import { Collection, Id, Region, Server } from '../model'
import { Done, Empty, method } from './define'

const Rename = z.strictObject({ id: Id, name: z.string() })
const ById = z.strictObject({ id: Id })

/** Regions → servers → collections (seed 003's region selector and collection + server selector). */
export const topologyMethods = {
  'regions.list': method('Live regions, by name', Empty, z.array(Region)),
  'regions.create': method('Create a region', z.strictObject({ name: z.string() }), Region),
  'regions.rename': method('Rename a region', Rename, Region),
  'regions.delete': method('Delete (tombstone) an empty region', ById, Done),

  'servers.list': method('Live servers of a region, by name', z.strictObject({ regionId: Id }), z.array(Server)),
  'servers.create': method('Create a database server in a region', z.strictObject({ regionId: Id, name: z.string() }), Server),
  'servers.rename': method('Rename a server', Rename, Server),
  'servers.delete': method('Delete (tombstone) a server without collections', ById, Done),

  'collections.list': method(
    'Live collections of a server, or of every server of a region',
    z.union([z.strictObject({ serverId: Id }), z.strictObject({ regionId: Id })]),
    z.array(Collection),
  ),
  'collections.create': method('Create a collection (one customer database) on a server', z.strictObject({ serverId: Id, name: z.string() }), Collection),
  'collections.rename': method('Rename a collection', Rename, Collection),
  'collections.delete': method('Delete (tombstone) a collection', ById, Done),
} as const
