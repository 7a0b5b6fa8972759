import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { registerServer } from '../../../src/cli/commands/server'
import { parseTrustProxy } from '../../../src/server/command'
import { tempDir } from '../../helpers/core'
import { PASSWORD } from '../../helpers/server'
import { createAdminByCli, killed, repoRoot, serverArgs, startServerProcess } from '../../helpers/server-process'

describe('the server command line', () => {
  it('bootstraps an admin from a password file, prints the TOTP URI once, and the server logs that admin in', async () => {
    const dir = tempDir('kw-cli-')
    const dataDir = join(dir, 'data')
    try {
      const r = createAdminByCli(['--data-dir', dataDir], 'alice', PASSWORD, ['--totp'])
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/Created admin "alice"/)
      expect(r.stdout).toMatch(/otpauth:\/\/totp\/.*secret=[A-Z2-7]+/)

      const twice = createAdminByCli(['--data-dir', dataDir], 'alice', PASSWORD)
      expect(twice.status).toBe(1)
      expect(twice.stderr).toMatch(/USERNAME_TAKEN/)
      const weak = createAdminByCli(['--data-dir', dataDir], 'bob', 'password')
      expect(weak.stderr).toMatch(/WEAK_PASSWORD/)

      const server = await startServerProcess(['--data-dir', dataDir])
      try {
        const response = await fetch(`${server.url}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: PASSWORD, deviceName: 'cli test' }),
        })
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('TOTP_REQUIRED')
        expect(server.output()).not.toContain(PASSWORD)
      } finally {
        await killed(server.child)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('refuses a bad port, a half TLS configuration and a non-postgres database URL with a one-line error', () => {
    const run = (args: string[]) => spawnSync(process.execPath, serverArgs(args), { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 })
    expect(run(['--port', '70000']).stderr).toMatch(/a port is a whole number/)
    const dataDir = tempDir('kw-cli-')
    expect(run(['--data-dir', dataDir, '--tls-cert', 'x.pem']).stderr).toMatch(/both --tls-cert and --tls-key/)
    const mysql = run(['--data-dir', dataDir, '--database', 'mysql://localhost/x'])
    expect([mysql.status, mysql.stderr.trim()]).toEqual([1, expect.stringMatching(/^keyward-server: INVALID_INPUT: --database takes a postgres:\/\//)])
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  it('offers the same options as `keyward server` and `npm run server`', () => {
    const program = new Command('keyward')
    registerServer(program)
    const server = program.commands.find((c) => c.name() === 'server')!
    const flags = server.options.map((o) => o.long).sort()
    expect(flags).toEqual(['--data-dir', '--database', '--host', '--log-level', '--port', '--tls-cert', '--tls-key', '--trust-proxy'].sort())
    expect(server.commands.map((c) => c.name())).toEqual(['admin'])
    expect(server.commands[0]!.commands.map((c) => c.name())).toEqual(['create'])
  })

  it('reads --trust-proxy as on/off, a hop count or a list of proxies', () => {
    expect([parseTrustProxy(undefined), parseTrustProxy(true), parseTrustProxy('2'), parseTrustProxy('10.0.0.0/8,127.0.0.1')]).toEqual([false, true, 2, '10.0.0.0/8,127.0.0.1'])
  })
})
