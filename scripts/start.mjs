#!/usr/bin/env node
// `npm start`: the desktop app where Electron is installed; otherwise the very same UI and
// core through the local HTTP bridge, in a browser on this machine.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { electronBinary } from './electron-binary.mjs'

const run = (command) => {
  const result = spawnSync(command, { shell: true, stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const extraArgs = process.argv.slice(2)
if (electronBinary()) {
  if (!existsSync('native/electron/better_sqlite3.node')) run('node scripts/rebuild-electron-native.mjs')
  run('npx electron-vite build')
  spawn('npx', ['electron-vite', 'preview', '--skipBuild', ...extraArgs], { stdio: 'inherit', shell: process.platform === 'win32' }).on('exit', (code) => process.exit(code ?? 0))
} else {
  console.log('Electron is not installed on this machine (its binary could not be downloaded), so Keyward serves the same app to your browser instead:')
  run('npx vite build --config vite.renderer.config.ts --logLevel warn')
  const child = spawn(process.execPath, ['bin/keyward.js', 'serve', '--ui', ...extraArgs], { stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
  child.on('exit', (code) => process.exit(code ?? 0))
}
