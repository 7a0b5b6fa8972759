import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import { createKeyward, type Keyward } from '../core/app'
import { createInProcessClient, type InProcessClient } from '../core/client'
import { createLogger } from '../core/logger'
import { defaultDataDir } from '../core/paths'
import { noKeychain } from '../core/vault/keychain'
import { KeywardError } from '../shared/errors'
import { readSecretFile } from './cli-io'

/**
 * Opening the vault from the command line, the same way for every command: the OS keychain
 * first when this vault enabled it, otherwise the passphrase from --passphrase-file, from
 * $KEYWARD_PASSPHRASE_FILE, or from a prompt that never echoes.
 */
export interface VaultCliOptions {
  dataDir?: string
  passphraseFile?: string
  /** commander's --no-keychain sets this to false. */
  keychain?: boolean
}

export function addVaultOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', 'vault directory (default: the desktop app\'s, or $KEYWARD_DATA_DIR)')
    .option('--passphrase-file <file>', 'read the master passphrase from the first line of this file (or set $KEYWARD_PASSPHRASE_FILE)')
    .option('--no-keychain', 'do not try the OS keychain; always ask for the passphrase')
}

export const cliActor = () => {
  try {
    return `cli:${userInfo().username}`
  } catch {
    return 'cli'
  }
}

const cliLogger = () => createLogger(process.env.KEYWARD_LOG_LEVEL ?? 'warn')

/** Asks on the terminal without echoing; prompts go to stderr so stdout stays clean for --json. */
export async function promptSecret(message: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new KeywardError('PASSPHRASE_REQUIRED', `${message.replace(/:$/, '')} is needed and there is no terminal to ask on; use a passphrase file.`)
  }
  const { default: password } = await import('@inquirer/password')
  return password({ message, mask: false }, { output: process.stderr })
}

async function masterPassphrase(options: VaultCliOptions): Promise<string> {
  const file = options.passphraseFile ?? process.env.KEYWARD_PASSPHRASE_FILE
  if (file) return readSecretFile(file, 'passphrase file')
  return promptSecret('Master passphrase:')
}

export interface VaultContext {
  client: InProcessClient
  core: Keyward
  dataDir: string
}

export async function withVault<T>(options: VaultCliOptions, fn: (ctx: VaultContext) => Promise<T>): Promise<T> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir())
  const core = createKeyward({ dataDir, logger: cliLogger(), ...(options.keychain === false ? { keychain: noKeychain('turned off with --no-keychain') } : {}) })
  const client = createInProcessClient(core, cliActor())
  try {
    const status = await client.call('vault.status', {})
    if (status.state === 'uninitialized') {
      throw new KeywardError('VAULT_NOT_INITIALIZED', `There is no vault in ${dataDir}; set one up in the Keyward app (or \`keyward serve --ui\`), or point --data-dir at it.`)
    }
    let open = false
    if (status.keychain.enabled) open = (await client.invoke('vault.unlockWithKeychain', {})).ok
    if (!open) await client.call('vault.unlock', { passphrase: await masterPassphrase(options) })
    return await fn({ client, core, dataDir })
  } finally {
    await core.close()
  }
}

/** For commands that need no vault (checking a report, reading a bundle): a throwaway core. */
export async function withOfflineCore<T>(fn: (client: InProcessClient) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-offline-'))
  const core = createKeyward({ dataDir: dir, logger: cliLogger(), keychain: noKeychain('not needed offline') })
  try {
    return await fn(createInProcessClient(core, cliActor()))
  } finally {
    await core.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
