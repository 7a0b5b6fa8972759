import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { makeCore, PASSPHRASE, tempDir } from '../helpers/core'

const burst = fileURLToPath(new URL('../fixtures/write-burst.ts', import.meta.url))
const RUNS = 12

/** Runs the writer until it has reported `stopAfter` commits, then kills it with SIGKILL. */
function killMidBurst(dataDir: string, run: number, stopAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', burst, dataDir, String(run), PASSPHRASE], { stdio: ['ignore', 'pipe', 'pipe'] })
    const committed: string[] = []
    let buffer = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.stderr.on('data', (d) => (stderr += d))
    child.stdout.on('data', (data) => {
      buffer += data
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) if (line.startsWith('run')) committed.push(line)
      if (committed.length >= stopAfter) child.kill('SIGKILL')
    })
    child.on('exit', (_code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`writer ended without being killed: ${stderr.slice(0, 500)}`))
      else resolve(committed)
    })
  })
}

describe('crash safety', () => {
  it(`keeps every committed write when the process is killed mid-burst (${RUNS} runs)`, async () => {
    const dataDir = tempDir()
    const expected: string[] = []
    for (let run = 0; run < RUNS; run++) {
      const stopAfter = 1 + Math.floor(Math.random() * 40)
      const committed = await killMidBurst(dataDir, run, stopAfter)
      expect(committed.length).toBeGreaterThanOrEqual(stopAfter)
      expected.push(...committed)

      const t = makeCore({ dataDir })
      await t.client.call('vault.unlock', { passphrase: PASSPHRASE })
      const names = new Set((await t.client.call('regions.list', {})).map((r) => r.name))
      for (const name of expected) expect(names.has(name), `${name} was acknowledged but is missing after kill -9`).toBe(true)
      // the hash chain spans every commit: a torn write would break it
      const chain = await t.client.call('audit.verify', {})
      expect(chain.ok).toBe(true)
      await t.close(true)
    }
  }, 240_000)
})
