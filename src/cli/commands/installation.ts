import type { Command } from 'commander'
import { print, printJson } from '../cli-io'
import { addVaultOptions, withVault, type VaultCliOptions } from '../vault-access'

export function registerInstallation(program: Command): void {
  const installation = program.command('installation').description('This installation and the key that signs its reports and bundles')
  addVaultOptions(
    installation
      .command('info')
      .description('Show the installation id and the Ed25519 signing key fingerprint (give it to whoever checks your reports)')
      .option('--json', 'print as JSON'),
  ).action(async (opts: VaultCliOptions & { json?: boolean }) => {
    const info = await withVault(opts, ({ client }) => client.call('installation.info', {}))
    if (opts.json) return printJson(info)
    print(`Installation ${info.installationId}`)
    print(`Signing key (Ed25519, since ${info.signingKeyCreatedAt})`)
    print(`  fingerprint ${info.signer.fingerprint}`)
    print(`  public key  ${info.signer.publicKey}`)
  })
}
