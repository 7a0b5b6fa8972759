import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import pino from 'pino'
import { createPinoLogger } from '../core/logger'
import { KeywardError } from '../shared/errors'
import { createAdmin } from './accounts/admins'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_HTTP_PORT, DEFAULT_TLS_PORT, type ServerConfigInput } from './config'
import { buildServer } from './server'
import { openServerStore } from './store/open-store'

/** Lets a deployment keep the database password out of the process list. */
export const DATABASE_URL_ENV = 'KEYWARD_DATABASE_URL'

interface StoreOptions {
  dataDir: string
  database?: string
}

interface StartOptions extends StoreOptions {
  host: string
  port?: number
  tlsCert?: string
  tlsKey?: string
  trustProxy?: boolean | string
  logLevel: string
}

interface AdminCreateOptions extends StoreOptions {
  username: string
  passwordFile?: string
  totp?: boolean
}

const parsePort = (value: string): number => {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0 = any free port)')
  return port
}

const storeOptions = (cmd: Command) =>
  cmd
    .option('--data-dir <dir>', 'directory of the embedded database and server.key', DEFAULT_DATA_DIR)
    .addOption(new Option('--database <url>', `postgres://… to use PostgreSQL instead of the embedded SQLite (or $${DATABASE_URL_ENV})`).env(DATABASE_URL_ENV))

/** `--trust-proxy` alone trusts any proxy; a number trusts that many hops; otherwise the proxies' addresses/CIDRs. */
export function parseTrustProxy(value: boolean | string | undefined): boolean | number | string {
  if (value === undefined || value === false) return false
  if (value === true || value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  return value
}

export function startConfig(opts: StartOptions, logger: pino.Logger): ServerConfigInput {
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new KeywardError('INVALID_INPUT', 'Give both --tls-cert and --tls-key, or neither.')
  return {
    dataDir: opts.dataDir,
    host: opts.host,
    port: opts.port,
    database: opts.database,
    tls: opts.tlsCert && opts.tlsKey ? { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) } : undefined,
    trustProxy: parseTrustProxy(opts.trustProxy),
    logger,
  }
}

async function start(opts: StartOptions): Promise<void> {
  const logger = createPinoLogger(opts.logLevel, pino.destination(1))
  const server = await buildServer(startConfig(opts, logger))
  await server.listen()
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'keyward server stopping')
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

async function readPassword(passwordFile: string | undefined): Promise<string> {
  if (passwordFile) return readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '')
  if (!process.stdin.isTTY) throw new KeywardError('INVALID_INPUT', 'No terminal to ask for the password: use --password-file <file>.')
  const { default: password } = await import('@inquirer/password')
  const first = await password({ message: 'Password for the new admin' })
  const again = await password({ message: 'The same password again' })
  if (first !== again) throw new KeywardError('INVALID_INPUT', 'The two passwords differ; nothing was created.')
  return first
}

async function adminCreate(opts: AdminCreateOptions): Promise<void> {
  const logger = createPinoLogger(process.env.KEYWARD_LOG_LEVEL ?? 'warn', pino.destination(2))
  const password = await readPassword(opts.passwordFile)
  const now = () => new Date()
  const { store, serverKey } = await openServerStore({ dataDir: opts.dataDir, database: opts.database, logger, now })
  try {
    const admin = await createAdmin(store, serverKey, now, { username: opts.username, password, withTotp: Boolean(opts.totp), actor: 'cli' })
    process.stdout.write(`Created admin "${admin.username}" (${admin.id}).\n`)
    if (admin.totpUri) {
      process.stdout.write(`Add this to an authenticator app now; it is not shown again:\n${admin.totpUri}\n`)
    }
  } finally {
    await store.close()
  }
}

/**
 * Gives `cmd` the server's options and sub-commands. `keyward server` and `npm run server`
 * (src/server/main.ts) both use it, so the two can't disagree on an option.
 */
export function defineServerCommand(cmd: Command): Command {
  storeOptions(cmd)
    .description('Run the remote Keyward instance (sync, key verification, admin accounts)')
    .option('--host <host>', 'address to listen on', DEFAULT_HOST)
    .option('--port <port>', `port to listen on (default ${DEFAULT_HTTP_PORT}, or ${DEFAULT_TLS_PORT} with --tls-cert)`, parsePort)
    .option('--tls-cert <file>', 'PEM certificate (chain) for built-in HTTPS')
    .option('--tls-key <file>', 'PEM private key for built-in HTTPS')
    .option('--trust-proxy [proxies]', 'behind a reverse proxy: trust X-Forwarded-* from it (alone: any proxy; a number: that many hops; or addresses/CIDRs, comma-separated)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug or trace', process.env.KEYWARD_LOG_LEVEL ?? 'info')
    .action(async (opts: StartOptions) => start(opts))

  // --data-dir and --database belong to the server command; `admin create` reads them from
  // there (optsWithGlobals), so they work before or after the sub-command names.
  const admin = cmd.command('admin').description('Manage the admin accounts of this server')
  admin
    .command('create')
    .description('Create an admin (the first one bootstraps the server); asks for the password without echo')
    .requiredOption('--username <name>', 'lowercase letters, digits, ".", "_" or "-"')
    .option('--password-file <file>', 'read the password from this file instead of asking')
    .option('--totp', 'require a TOTP code at login; prints the otpauth:// URI once')
    .action(async (_opts: unknown, sub: Command) => adminCreate(sub.optsWithGlobals<AdminCreateOptions>()))
  return cmd
}
