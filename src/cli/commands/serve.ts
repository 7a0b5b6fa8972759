import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { createKeyward } from '../../core/app'
import { createLogger } from '../../core/logger'
import { defaultDataDir } from '../../core/paths'
import { startHttpBridge } from '../../core/transport/http-bridge'

export const builtRendererDir = fileURLToPath(new URL('../../../out/renderer', import.meta.url))

export interface ServeUiOptions {
  dataDir?: string
  host?: string
  port?: string
  json?: boolean
}

/** Starts the core and the local UI bridge; resolves once listening, stops on SIGINT/SIGTERM. */
export async function serveUi(options: ServeUiOptions): Promise<void> {
  const dataDir = resolve(options.dataDir ?? defaultDataDir())
  const logger = createLogger(process.env.KEYWARD_LOG_LEVEL ?? 'warn')
  const core = createKeyward({ dataDir, logger })
  const bridge = await startHttpBridge({
    core,
    host: options.host ?? '127.0.0.1',
    port: Number(options.port ?? 0),
    rendererDir: builtRendererDir,
    logger,
  })
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token, openUrl: bridge.openUrl, dataDir })}\n`)
  } else {
    process.stdout.write(`Keyward UI for the vault in ${dataDir}\nOpen ${bridge.openUrl}\n(the address only answers on this machine; Ctrl+C stops it)\n`)
  }
  const stop = async () => {
    await bridge.close()
    await core.close()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the Keyward UI on a loopback address, for a browser on this machine (headless servers, tests)')
    .option('--ui', 'serve the admin UI (the default and only mode for now)', true)
    .option('--data-dir <dir>', 'vault directory (default: the same one the desktop app uses, or $KEYWARD_DATA_DIR)')
    .option('--host <host>', 'loopback address to listen on: 127.0.0.1 or ::1', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--json', 'print the address as one JSON line')
    .action(async (opts: ServeUiOptions) => serveUi(opts))
}
