import { z } from 'zod'
import { Catalog } from '../catalog'
import { Empty, method } from './define'

export const Application = z.object({
  /** `workflow`, `mobile`, `erp` for the built-in kinds; a UUIDv7 for added ones. */
  id: z.string(),
  name: z.string(),
  /** Starts every key of this kind: `<prefix>_<env>_…`. */
  prefix: z.string(),
  defaultPermissions: z.array(z.string()),
  builtin: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type Application = z.infer<typeof Application>

const Permissions = z.array(z.string().max(128)).max(500)
/** Checked by the core (APPLICATION_PREFIX_INVALID), so the message can say what is wrong. */
const Prefix = z.string().max(64)

export const catalogMethods = {
  'catalog.get': method('The permission catalog: REST methods and SOAP operations, grouped, with default templates', Empty, Catalog),
  'applications.list': method('Application kinds (built-in and added), by name', Empty, z.array(Application)),
  'applications.create': method(
    'Add an application kind with its key prefix and default permission template',
    z.strictObject({ name: z.string(), prefix: Prefix, defaultPermissions: Permissions.default([]) }),
    Application,
  ),
  'applications.update': method(
    'Rename an application kind, change its prefix (for new keys) or its default template',
    z.strictObject({ id: z.string().max(64), name: z.string().optional(), prefix: Prefix.optional(), defaultPermissions: Permissions.optional() }),
    Application,
  ),
} as const
