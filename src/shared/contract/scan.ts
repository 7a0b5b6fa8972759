import { z } from 'zod'
import { Id } from '../model'
import { KeyStatus } from './keys'
import { method } from './define'

/** SHA-256 of a whole key, lower-case hex: what the leak scanner reports instead of the key. */
export const KeyDigestHex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest as 64 lower-case hex characters')

export const ScanMatch = z.object({
  digest: KeyDigestHex,
  /** The stored key with this digest, or null: "unknown key" (not from this vault). */
  key: z
    .object({
      id: Id,
      name: z.string(),
      prefix: z.string(),
      collectionId: Id,
      collectionName: z.string(),
      status: KeyStatus,
      /** Deleted (tombstoned) keys are still named: a leaked deleted key is worth knowing. */
      deleted: z.boolean(),
    })
    .nullable(),
})
export type ScanMatch = z.infer<typeof ScanMatch>

export const MAX_IDENTIFY_DIGESTS = 10_000

export const scanMethods = {
  'scan.identify': method(
    'Name the stored keys behind SHA-256 digests found by the leak scan (id, name, collection), or "unknown key"; never the secrets',
    z.strictObject({ digests: z.array(KeyDigestHex).min(1).max(MAX_IDENTIFY_DIGESTS) }),
    z.array(ScanMatch),
  ),
} as const
