import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { KeywardError } from '../../shared/errors'
import { collect, print, printJson, readIdentityFile, readInputFile, readSecretFile, readTextFile, writeOutputFile } from '../cli-io'
import { addVaultOptions, promptSecret, withOfflineCore, withVault, type VaultCliOptions } from '../vault-access'

interface ExportOptions extends VaultCliOptions {
  collection: string
  recipient?: string[]
  recipientsFile?: string[]
  bundlePassphraseFile?: string
  askBundlePassphrase?: boolean
  binary?: boolean
  output?: string
  force?: boolean
  json?: boolean
  keys?: string
  users?: string
  tokens?: boolean
  endpoints?: boolean
  permissions?: boolean
}

/** "all", or comma-separated ids. */
const selection = (value: string | undefined): 'all' | string[] =>
  value === undefined ? [] : value.trim().toLowerCase() === 'all' ? 'all' : value.split(',').map((v) => v.trim()).filter(Boolean)

interface OpenOptions {
  identity?: string[]
  bundlePassphraseFile?: string
  askBundlePassphrase?: boolean
  expectSigner?: string
  json?: boolean
}

/** age recipients files: one `age1…` per line, `#` comments (like `age -R`). */
function recipientsFrom(opts: ExportOptions): string[] | undefined {
  const fromFiles = (opts.recipientsFile ?? []).flatMap((file) =>
    readTextFile(file, 'recipients file', 1024 * 1024)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  )
  const all = [...(opts.recipient ?? []), ...fromFiles]
  return all.length ? all : undefined
}

async function bundlePassphrase(opts: { bundlePassphraseFile?: string; askBundlePassphrase?: boolean }, confirm: boolean): Promise<string | undefined> {
  if (opts.bundlePassphraseFile) return readSecretFile(opts.bundlePassphraseFile, 'bundle passphrase file')
  if (!opts.askBundlePassphrase) return undefined
  const first = await promptSecret('Bundle passphrase:')
  if (confirm && (await promptSecret('Bundle passphrase again:')) !== first) {
    throw new KeywardError('INVALID_INPUT', 'The two bundle passphrases differ; nothing was exported.')
  }
  return first
}

async function openRequest(file: string, opts: OpenOptions) {
  const identities = (opts.identity ?? []).flatMap(readIdentityFile)
  const passphrase = await bundlePassphrase(opts, false)
  return {
    file: readInputFile(file, 'bundle').toString('base64'),
    ...(identities.length ? { identities } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(opts.expectSigner ? { expectSigner: opts.expectSigner } : {}),
  }
}

const openOptions = (command: Command) =>
  command
    .argument('<file>', 'the bundle (.age or armored .age.asc)')
    .option('-i, --identity <file>', 'age identity file (AGE-SECRET-KEY-1…), repeatable', collect)
    .option('--bundle-passphrase-file <file>', 'read the bundle passphrase from this file')
    .option('--ask-bundle-passphrase', 'prompt for the bundle passphrase (no echo)')
    .option('--expect-signer <fingerprint>', 'refuse unless this key signed the bundle')
    .option('--json', 'print the result as JSON')

export function registerBundle(program: Command): void {
  const bundle = program.command('bundle').description('Integrator bundles: signed, age-encrypted hand-overs of one collection')

  addVaultOptions(
    bundle
      .command('export')
      .description('Sign a collection bundle and encrypt it to age recipients or to a passphrase')
      .requiredOption('-c, --collection <id>', 'id of the collection to export')
      .option('-r, --recipient <age1…>', 'age X25519 recipient, repeatable', collect)
      .option('-R, --recipients-file <file>', 'file of age recipients, one per line, repeatable', collect)
      .option('--bundle-passphrase-file <file>', 'encrypt to the passphrase in this file instead')
      .option('--ask-bundle-passphrase', 'encrypt to a passphrase typed at a prompt (no echo, asked twice)')
      .option('--keys <all|ids>', 'keys to hand over with their secrets: "all" current keys, or comma-separated ids')
      .option('--users <all|ids>', 'service users to include (never passwords): "all", or comma-separated ids')
      .option('--tokens', 'include the current tokens of the chosen service users')
      .option('--no-endpoints', 'leave out the REST/SOAP endpoints and public URLs')
      .option('--no-permissions', 'leave out the catalog entries of the chosen permissions')
      .option('--binary', 'write the binary age format instead of ASCII armor')
      .option('-o, --output <file>', 'where to write the bundle (default: a name made from the collection)')
      .option('--force', 'replace the output file if it exists')
      .option('--json', 'print the result as JSON'),
  ).action(async (opts: ExportOptions) => {
    const recipients = recipientsFrom(opts)
    const passphrase = await bundlePassphrase(opts, true)
    if ((recipients === undefined) === (passphrase === undefined)) {
      throw new KeywardError('INVALID_INPUT', 'Give either recipients (-r/-R) or a bundle passphrase (--bundle-passphrase-file / --ask-bundle-passphrase), not both.')
    }
    // Fail before opening the vault, not after the export was audited.
    if (opts.output && !opts.force && existsSync(resolve(opts.output))) throw new KeywardError('FILE_WRITE_FAILED', `${opts.output} already exists; choose another name or pass --force.`)
    const out = await withVault(opts, ({ client }) =>
      client.call('bundles.export', {
        collectionId: opts.collection,
        armor: !opts.binary,
        items: { keys: selection(opts.keys), serviceUsers: selection(opts.users), tokens: opts.tokens === true, endpoints: opts.endpoints !== false, permissions: opts.permissions !== false },
        ...(recipients ? { recipients } : { passphrase }),
      }),
    )
    const path = writeOutputFile(opts.output ?? out.fileName, Buffer.from(out.file, 'base64'), opts.force)
    const { file: _file, ...summary } = out
    if (opts.json) return printJson({ ...summary, path })
    print(`Wrote ${path} (${out.sizeBytes} bytes, ${out.armored ? 'armored' : 'binary'} age file)`)
    print(`Bundle ${out.bundleId}`)
    print(`File SHA-256 ${out.fingerprint}`)
    print(`Signed by ${out.signer.fingerprint}`)
  })

  openOptions(bundle.command('inspect').description('Decrypt a bundle, check its signature and show its contents and signer, without importing (no vault needed)')).action(
    async (file: string, opts: OpenOptions) => {
      const request = await openRequest(file, opts)
      const { fingerprint, contents } = await withOfflineCore((client) => client.call('bundles.inspect', request))
      if (opts.json) return printJson({ fingerprint, contents })
      print(`Signature OK — signed by ${contents.signer.fingerprint}`)
      print(`Bundle ${contents.bundleId} (schema ${contents.schemaVersion}), made ${contents.createdAt} by ${contents.createdBy.actor} on installation ${contents.createdBy.installationId}`)
      print(`Collection ${contents.collection.name} (${contents.collection.id}) on server ${contents.collection.server.name}, region ${contents.collection.region.name}`)
      print(`Items: ${Object.entries(contents.counts).map(([k, v]) => `${v} ${k}`).join(', ')}`)
      for (const k of contents.keys) print(`  key ${k.name} ${k.hint} [${k.status}] ${k.applicationKind}`)
      for (const u of contents.serviceUsers) print(`  service user ${u.username} (${u.clientId})`)
      print(`File SHA-256 ${fingerprint}`)
    },
  )

  openOptions(bundle.command('verify').description('Decrypt a bundle and check only its signature; print the signer (no vault needed)')).action(
    async (file: string, opts: OpenOptions) => {
      const request = await openRequest(file, opts)
      const { fingerprint, contents } = await withOfflineCore((client) => client.call('bundles.inspect', request))
      if (opts.json) return printJson({ valid: true, bundleId: contents.bundleId, signer: contents.signer, fingerprint })
      print(`OK: bundle ${contents.bundleId} is intact and signed by ${contents.signer.fingerprint}`)
    },
  )

  addVaultOptions(
    openOptions(bundle.command('import').description('Verify a bundle (signature first) and import its collection, keys and service users into this vault, once')).option(
      '--licence-client <client id>',
      'when the collection has no master licence here, bind a new licence of this client to it as part of the import',
    ),
  ).action(async (file: string, opts: OpenOptions & VaultCliOptions & { licenceClient?: string }) => {
    const request = { ...(await openRequest(file, opts)), ...(opts.licenceClient ? { licenceClientId: opts.licenceClient } : {}) }
    const r = await withVault(opts, ({ client }) => client.call('bundles.import', request))
    if (opts.json) return printJson(r)
    print(`Imported bundle ${r.bundleId} into collection ${r.collectionId}`)
    print(`Topology: created ${r.created.regions} region(s), ${r.created.servers} server(s), ${r.created.collections} collection(s)`)
    if (r.licence) print(`Master licence ${r.licence.id}${r.licence.bound ? ` (bound now for client ${r.licence.clientId})` : ''}`)
    const labels = { keys: 'keys', serviceUsers: 'service users', tokens: 'tokens' } as const
    for (const kind of ['keys', 'serviceUsers', 'tokens'] as const) {
      const t = r.items[kind]
      print(`${labels[kind]}: ${t.created} created, ${t.updated} updated, ${t.skipped} skipped (of ${r.counts[kind]} in the bundle)`)
    }
    for (const x of r.skipped) print(`  skipped ${x.kind} ${x.name} (${x.id}): ${x.reason} — ${x.message}`)
    for (const f of r.followUp) print(`  to do: ${f.username} (${f.serviceUserId}) ${f.actions.map((a) => (a === 'SET_PASSWORD' ? 'needs a password before tokens' : 'had 2FA: set up TOTP again')).join('; ')}`)
    print(`Signed by ${r.signer.fingerprint}; file SHA-256 ${r.fingerprint}`)
  })
}
