import type { Command } from 'commander'
import { KeyStatus } from '../../shared/contract/keys'
import { KeywardError } from '../../shared/errors'
import { Id } from '../../shared/model'
import type { InProcessClient } from '../../core/client'
import { print, printJson, readSecretFile } from '../cli-io'
import { addVaultOptions, withVault, type VaultCliOptions } from '../vault-access'

interface VerifyOptions extends VaultCliOptions {
  keyFile?: string
  ip?: string
  method?: string
  json?: boolean
}

interface ListOptions extends VaultCliOptions {
  collection?: string
  status?: string
  application?: string
  json?: boolean
}

/** Exit code of `keys verify` when the answer is anything but VALID. */
export const NOT_VALID_EXIT_CODE = 3

async function readStdinLine(): Promise<string> {
  if (process.stdin.isTTY) throw new KeywardError('INVALID_INPUT', 'KEY "-" reads the key from standard input, which is a terminal here; pipe the key in or use --key-file.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > 64 * 1024) throw new KeywardError('INVALID_INPUT', 'Standard input is too long to be a key.')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0]!.trim()
}

async function keyFrom(key: string | undefined, opts: VerifyOptions): Promise<string> {
  if (key !== undefined && opts.keyFile) throw new KeywardError('INVALID_INPUT', 'Give the key either as an argument or with --key-file, not both.')
  if (opts.keyFile) return readSecretFile(opts.keyFile, 'key file').trim()
  if (key === '-') return readStdinLine()
  if (key === undefined) throw new KeywardError('INVALID_INPUT', 'Name the key to verify: KEY, "-" for standard input, or --key-file.')
  return key
}

/** --collection takes an id, or a name that is unique across every server of every region. */
async function resolveCollection(client: InProcessClient, value: string): Promise<string> {
  if (Id.safeParse(value).success) return value
  const wanted = value.trim().toLowerCase()
  const matches: { id: string; where: string }[] = []
  for (const region of await client.call('regions.list', {})) {
    for (const c of await client.call('collections.list', { regionId: region.id })) {
      if (c.name.toLowerCase() === wanted) matches.push({ id: c.id, where: `${region.name}/${c.name}` })
    }
  }
  if (matches.length === 1) return matches[0]!.id
  if (matches.length === 0) throw new KeywardError('COLLECTION_NOT_FOUND', `There is no collection named "${value.slice(0, 64)}".`)
  throw new KeywardError('INVALID_INPUT', `${matches.length} collections are named "${value.slice(0, 64)}" (${matches.map((m) => m.where).join(', ')}); pass the id instead.`)
}

const date = (iso: string | null) => (iso ? iso.slice(0, 10) : '—')

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys of this vault: list them (masked) and verify a key as a gateway would')

  addVaultOptions(
    keys
      .command('verify')
      .description(
        'Verify a key as a gateway would (format, existence, status, expiry, licence, IP, method, rate limit).\n' +
          'Prints one of the fixed codes (VALID, MALFORMED, BAD_CHECKSUM, NOT_FOUND, …); exit code 0 for VALID,\n' +
          `${NOT_VALID_EXIT_CODE} for any other answer. A VALID answer counts as a use of the key. A key on the\n` +
          'command line stays in your shell history: prefer "-" (standard input) or --key-file.',
      )
      .argument('[key]', 'the key, or "-" to read it from standard input')
      .option('--key-file <file>', 'read the key from the first line of this file')
      .option('--ip <address>', 'the caller address to check against the key\'s allowed IPs')
      .option('--method <id>', 'the permission (method id from the catalog) the caller wants')
      .option('--json', 'print the answer as JSON'),
  ).action(async (key: string | undefined, opts: VerifyOptions) => {
    const secret = await keyFrom(key, opts)
    const answer = await withVault(opts, ({ client }) =>
      client.call('keys.verify', { key: secret, ...(opts.ip !== undefined ? { ip: opts.ip } : {}), ...(opts.method !== undefined ? { method: opts.method } : {}) }),
    )
    if (answer.code !== 'VALID') process.exitCode = NOT_VALID_EXIT_CODE
    if (opts.json) return printJson(answer)
    print(answer.code)
    if (answer.keyId) print(`key         ${answer.keyId}`)
    if (answer.collectionId) print(`collection  ${answer.collectionId}`)
    if (answer.applicationKind) print(`application ${answer.applicationKind}`)
    if (answer.permissions) print(`permissions ${answer.permissions.length ? answer.permissions.join(', ') : '(none)'}`)
    if (answer.validUntil) print(`valid until ${answer.validUntil}`)
    if (answer.retryAfterMs !== undefined) print(`retry after ${answer.retryAfterMs} ms`)
  })

  addVaultOptions(
    keys
      .command('list')
      .description('List API keys, masked (prefix + first and last 4 characters); secrets are never printed')
      .option('-c, --collection <id or name>', 'only the keys of this collection')
      .option('--status <status>', `only keys with this status (${KeyStatus.options.join(', ')})`)
      .option('--application <kind>', 'only keys of this application kind (erp, workflow, mobile, …)')
      .option('--json', 'print the keys as JSON'),
  ).action(async (opts: ListOptions) => {
    const status = opts.status === undefined ? undefined : KeyStatus.safeParse(opts.status)
    if (status && !status.success) {
      throw new KeywardError('INVALID_INPUT', `Unknown key status "${opts.status!.slice(0, 20)}"; use ${KeyStatus.options.join(', ')}.`)
    }
    const list = await withVault(opts, async ({ client }) => {
      const collectionId = opts.collection !== undefined ? await resolveCollection(client, opts.collection) : undefined
      return client.call('keys.list', {
        ...(collectionId ? { collectionId } : {}),
        ...(status?.success ? { status: status.data } : {}),
        ...(opts.application ? { applicationKind: opts.application } : {}),
      })
    })
    if (opts.json) return printJson(list)
    if (list.length === 0) return print('No keys.')
    const rows = list.map((k) => [k.name, k.hint, k.applicationKind, k.status + (k.rotation.state === 'grace' ? ' (grace)' : ''), date(k.expiresAt), date(k.lastUsedAt), k.id])
    const header = ['NAME', 'KEY', 'APPLICATION', 'STATUS', 'EXPIRES', 'LAST USED', 'ID']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    for (const r of [header, ...rows]) print(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    print(`${list.length} key${list.length === 1 ? '' : 's'}`)
  })
}
