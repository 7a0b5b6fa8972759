#!/usr/bin/env node
// Packaging step (needs internet for Electron's headers): builds the SQLite addon for
// Electron's ABI into native/electron/, beside — not over — the Node build that tests use.
// The desktop app loads it through better-sqlite3's `nativeBinding` option.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const require = createRequire(import.meta.url)
const { version } = require('electron/package.json')
const source = resolve('node_modules/better-sqlite3-multiple-ciphers')
const work = resolve('native/electron/build-src')
rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${source}/build`) })
console.log(`Building better-sqlite3-multiple-ciphers for Electron ${version}…`)
const result = spawnSync('npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${version}`, '--dist-url=https://electronjs.org/headers'], {
  cwd: work,
  stdio: 'inherit',
  env: { ...process.env, npm_config_nodedir: '' },
  shell: process.platform === 'win32',
})
if (result.status !== 0) {
  console.error('Could not build the Electron addon (this step downloads Electron headers and needs internet).')
  process.exit(result.status ?? 1)
}
cpSync(join(work, 'build', 'Release', 'better_sqlite3.node'), resolve('native/electron/better_sqlite3.node'))
rmSync(work, { recursive: true, force: true })
console.log('native/electron/better_sqlite3.node is ready.')
