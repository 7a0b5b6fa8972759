import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { z } from 'zod'
import { KeywardError } from '../../shared/errors'

/**
 * vault.json: everything needed to open the database from the passphrase alone, on any
 * machine. It holds the database key only wrapped (AES-256-GCM under an Argon2id key).
 */
export const VaultFile = z.object({
  format: z.literal(1),
  vaultId: z.uuid(),
  createdAt: z.string(),
  kdf: z.object({
    algorithm: z.literal('argon2id'),
    memoryKiB: z.number().int().min(65536),
    passes: z.number().int().min(3),
    parallelism: z.number().int().min(1),
    salt: z.string(),
  }),
  wrappedKey: z.object({ iv: z.string(), ciphertext: z.string(), tag: z.string() }),
})
export type VaultFile = z.infer<typeof VaultFile>

export function readVaultFile(path: string): VaultFile {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new KeywardError('VAULT_CORRUPT', `The vault header ${path} cannot be read as JSON.`)
  }
  const parsed = VaultFile.safeParse(raw)
  if (!parsed.success) throw new KeywardError('VAULT_CORRUPT', `The vault header ${path} is not a Keyward vault (format 1).`)
  return parsed.data
}

/** Write-then-rename with fsync, so a crash leaves either the old or the new header. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}
