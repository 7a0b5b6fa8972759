import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Where the vault lives when nobody says otherwise. The desktop app, the CLI and the local
 * UI bridge all use this one place, so they open the same vault.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.KEYWARD_DATA_DIR) return env.KEYWARD_DATA_DIR
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Keyward')
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Keyward')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'keyward')
}
