import { z } from 'zod'
import { Empty, method } from './define'

/** What `sample.load` made, counted, so the first-run screen can say it. */
export const SampleSummary = z.object({
  regions: z.number().int(),
  servers: z.number().int(),
  collections: z.number().int(),
  clients: z.number().int(),
  licences: z.number().int(),
  keys: z.number().int(),
  rotatedKeys: z.number().int(),
  revokedKeys: z.number().int(),
  users: z.number().int(),
  usersWithTotp: z.number().int(),
  tokens: z.number().int(),
})
export type SampleSummary = z.infer<typeof SampleSummary>

export const sampleMethods = {
  'sample.load': method(
    'Fill an empty vault with a sample organisation (regions, servers, collections, clients of every tier, licences, keys, service users, tokens), built through the same methods as user actions',
    Empty,
    SampleSummary,
  ),
} as const
