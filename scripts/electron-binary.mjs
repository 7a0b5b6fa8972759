import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

/** Path of the installed Electron binary, or null where none could be downloaded. */
export function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron')
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}
