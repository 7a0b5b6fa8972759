import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/**
 * Path of the installed Electron binary, or null where none could be downloaded. It reads
 * electron's own path.txt instead of require('electron'), which would try a download.
 */
export function electronBinary() {
  let dir
  try {
    dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return null
  }
  const pathFile = join(dir, 'path.txt')
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : ''
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist')
  if (!relative && !process.env.ELECTRON_OVERRIDE_DIST_PATH) return null
  const binary = join(distDir, relative || 'electron')
  return existsSync(binary) ? binary : null
}
