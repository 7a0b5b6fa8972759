import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { hashRaw } from '@node-rs/argon2'
import { KeywardError } from '../../shared/errors'
import type { VaultState } from '../../shared/model'
import { passphraseStrength } from '../../shared/passphrase'
import { openEncryptedDatabase, type Db } from '../store/database'
import { loadMigrations, migrate } from '../store/migrate'
import type { Keychain } from './keychain'
import { readVaultFile, writeFileAtomic, type VaultFile } from './vault-file'

export const VAULT_FILE = 'vault.json'
export const DATABASE_FILE = 'keyward.db'

/** OWASP's Argon2id floor is 19 MiB; the design asks for ≥ 64 MiB and 3 passes. */
const KDF = { memoryKiB: 65536, passes: 3, parallelism: 1 } as const
const WRAP_AAD = Buffer.from('keyward vault key v1')

export interface VaultOptions {
  dataDir: string
  keychain: Keychain
  nativeBinding?: string
  migrationsDir?: string
}

export interface KeychainStatus {
  available: boolean
  enabled: boolean
  reason?: string
}

/** What an open vault hands to the domain services. Cleared on lock. */
export interface OpenVault {
  db: Db
  /** Per-vault data key for sealing secrets inside rows (AES-256-GCM). */
  sealKey: Buffer
  vaultId: string
}

export class Vault {
  private open: OpenVault | undefined
  private dbKey: Buffer | undefined
  private readonly headerPath: string
  private readonly dbPath: string

  constructor(private readonly options: VaultOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
    this.headerPath = join(options.dataDir, VAULT_FILE)
    this.dbPath = join(options.dataDir, DATABASE_FILE)
  }

  get state(): VaultState {
    if (this.open) return 'unlocked'
    return existsSync(this.headerPath) ? 'locked' : 'uninitialized'
  }

  /** The open store, or VAULT_LOCKED. */
  get current(): OpenVault {
    if (!this.open) {
      throw this.state === 'uninitialized'
        ? new KeywardError('VAULT_NOT_INITIALIZED', 'Set a master passphrase first.')
        : new KeywardError('VAULT_LOCKED', 'The vault is locked; unlock it first.')
    }
    return this.open
  }

  async keychainStatus(): Promise<KeychainStatus> {
    const probe = await this.options.keychain.probe()
    if (!probe.available) return { available: false, enabled: false, reason: probe.reason }
    if (!existsSync(this.headerPath)) return { available: true, enabled: false }
    const header = readVaultFile(this.headerPath)
    try {
      const stored = await this.options.keychain.get(header.vaultId)
      return { available: true, enabled: stored !== null }
    } catch {
      return { available: false, enabled: false, reason: 'The OS keychain did not answer; unlock with the passphrase.' }
    }
  }

  async setup(passphrase: string, useKeychain: boolean): Promise<void> {
    if (existsSync(this.headerPath)) throw new KeywardError('VAULT_ALREADY_INITIALIZED', 'This vault already has a master passphrase; unlock it instead.')
    if (existsSync(this.dbPath)) {
      throw new KeywardError('VAULT_CORRUPT', `A database file exists at ${this.dbPath} without its vault header; move it away or restore vault.json.`)
    }
    assertStrong(passphrase)
    if (useKeychain) await this.requireKeychain()
    const dbKey = randomBytes(32)
    const header = await wrapKey(dbKey, passphrase, randomUUID())
    // Create and migrate the database before the header exists, so a crash in between leaves
    // an uninitialized vault, never a header that points at nothing.
    try {
      this.openDatabase(dbKey, header.vaultId)
    } catch (error) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.dbPath}${suffix}`, { force: true })
      throw error
    }
    writeFileAtomic(this.headerPath, JSON.stringify(header, null, 2))
    if (useKeychain) await this.options.keychain.set(header.vaultId, dbKey.toString('hex'))
  }

  async unlock(passphrase: string): Promise<void> {
    const header = this.header()
    const dbKey = await unwrapKey(header, passphrase)
    if (this.open) return
    this.openDatabase(dbKey, header.vaultId)
  }

  async unlockWithKeychain(): Promise<void> {
    const header = this.header()
    const status = await this.keychainStatus()
    if (!status.available) throw new KeywardError('KEYCHAIN_UNAVAILABLE', status.reason ?? 'No OS keychain is available on this device.')
    const stored = await this.options.keychain.get(header.vaultId)
    if (!stored || !/^[0-9a-f]{64}$/.test(stored)) {
      throw new KeywardError('KEYCHAIN_NOT_ENABLED', 'Unlock with the OS keychain is not turned on for this vault on this device; use the passphrase.')
    }
    if (this.open) return
    const dbKey = Buffer.from(stored, 'hex')
    try {
      this.openDatabase(dbKey, header.vaultId)
    } catch (error) {
      if (error instanceof KeywardError && error.code === 'VAULT_CORRUPT') {
        throw new KeywardError('KEYCHAIN_NOT_ENABLED', 'The key in the OS keychain does not open this vault; unlock with the passphrase and turn the option on again.')
      }
      throw error
    }
  }

  async setKeychain(enabled: boolean): Promise<void> {
    const { vaultId } = this.current
    if (enabled) {
      await this.requireKeychain()
      await this.options.keychain.set(vaultId, this.dbKey!.toString('hex'))
    } else {
      const probe = await this.options.keychain.probe()
      if (probe.available) await this.options.keychain.delete(vaultId)
    }
  }

  async changePassphrase(current: string, next: string): Promise<void> {
    const header = this.header()
    const dbKey = await unwrapKey(header, current)
    assertStrong(next)
    const rewrapped = await wrapKey(dbKey, next, header.vaultId, header.createdAt)
    writeFileAtomic(this.headerPath, JSON.stringify(rewrapped, null, 2))
  }

  lock(): void {
    const open = this.open
    this.open = undefined
    if (open) {
      open.db.close()
      open.sealKey.fill(0)
    }
    this.dbKey?.fill(0)
    this.dbKey = undefined
  }

  private header(): VaultFile {
    if (!existsSync(this.headerPath)) throw new KeywardError('VAULT_NOT_INITIALIZED', 'Set a master passphrase first.')
    return readVaultFile(this.headerPath)
  }

  private async requireKeychain(): Promise<void> {
    const probe = await this.options.keychain.probe()
    if (!probe.available) throw new KeywardError('KEYCHAIN_UNAVAILABLE', probe.reason)
  }

  private openDatabase(dbKey: Buffer, vaultId: string): void {
    const db = openEncryptedDatabase(this.dbPath, dbKey, { nativeBinding: this.options.nativeBinding })
    try {
      migrate(db, loadMigrations(this.options.migrationsDir))
    } catch (error) {
      db.close()
      throw error
    }
    const sealKey = Buffer.from(hkdfSync('sha256', dbKey, Buffer.alloc(0), 'keyward row seal v1', 32))
    this.dbKey = dbKey
    this.open = { db, sealKey, vaultId }
  }
}

function assertStrong(passphrase: string): void {
  const strength = passphraseStrength(passphrase)
  if (!strength.acceptable) throw new KeywardError('VAULT_WEAK_PASSPHRASE', `That passphrase is too weak. ${strength.feedback}`)
}

async function deriveWrappingKey(passphrase: string, salt: Buffer, kdf: { memoryKiB: number; passes: number; parallelism: number }): Promise<Buffer> {
  return hashRaw(passphrase.normalize('NFC'), {
    algorithm: 2, // Algorithm.Argon2id (a const enum, so not importable under isolatedModules)
    memoryCost: kdf.memoryKiB,
    timeCost: kdf.passes,
    parallelism: kdf.parallelism,
    outputLen: 32,
    salt,
  })
}

async function wrapKey(dbKey: Buffer, passphrase: string, vaultId: string, createdAt = new Date().toISOString()): Promise<VaultFile> {
  const salt = randomBytes(16)
  const wrapping = await deriveWrappingKey(passphrase, salt, KDF)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', wrapping, iv).setAAD(WRAP_AAD)
  const ciphertext = Buffer.concat([cipher.update(dbKey), cipher.final()])
  wrapping.fill(0)
  return {
    format: 1,
    vaultId,
    createdAt,
    kdf: { algorithm: 'argon2id', ...KDF, salt: salt.toString('base64') },
    wrappedKey: { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
  }
}

async function unwrapKey(header: VaultFile, passphrase: string): Promise<Buffer> {
  const wrapping = await deriveWrappingKey(passphrase, Buffer.from(header.kdf.salt, 'base64'), header.kdf)
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrapping, Buffer.from(header.wrappedKey.iv, 'base64')).setAAD(WRAP_AAD)
    decipher.setAuthTag(Buffer.from(header.wrappedKey.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(header.wrappedKey.ciphertext, 'base64')), decipher.final()])
  } catch {
    throw new KeywardError('VAULT_BAD_PASSPHRASE', 'That passphrase does not open this vault.')
  } finally {
    wrapping.fill(0)
  }
}
