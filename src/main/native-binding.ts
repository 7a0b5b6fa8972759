import { existsSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Node (tests, CLI) and Electron need differently built SQLite addons. The Electron build is
 * kept apart in native/electron/ (made by `npm run rebuild:electron`) and handed to
 * better-sqlite3 through its `nativeBinding` option, so switching between `npm test` and
 * `npm start` never needs a reinstall.
 */
export function electronNativeBinding(appPath: string): string | undefined {
  const candidate = join(appPath, 'native', 'electron', 'better_sqlite3.node')
  return existsSync(candidate) ? candidate : undefined
}
