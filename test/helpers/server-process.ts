import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const main = join(repoRoot, 'src/server/main.ts')

/** `npm run server` without npm in between, so a signal reaches the server itself. */
export function serverArgs(args: string[]): string[] {
  return ['--import', 'tsx', main, ...args]
}

/** Runs `keyward-server admin create` and returns its output. */
export function createAdminByCli(storeArgs: string[], username: string, password: string, extra: string[] = []) {
  const file = join(storeArgs[storeArgs.indexOf('--data-dir') + 1]!, '..', `${username}.password`)
  writeFileSync(file, `${password}\n`, { mode: 0o600 })
  return spawnSync(process.execPath, serverArgs(['admin', 'create', '--username', username, '--password-file', file, ...storeArgs, ...extra]), { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 })
}

export interface ServerProcess {
  child: ChildProcess
  url: string
  output(): string
}

/** Starts the server as a child process on a free port and waits for its "listening" log line. */
export function startServerProcess(args: string[]): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, serverArgs([...args, '--port', '0']), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start: ${out.slice(-2000)}`))
    }, 30_000)
    const onData = (data: Buffer) => {
      out += data
      const m = /"url":"([^"]+)","database":"\w+","msg":"keyward server listening"/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1]!, output: () => out })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code ?? signal}) before listening: ${out.slice(-2000)}`))
    })
  })
}

export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}
