import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { app, BrowserWindow, ipcMain, powerMonitor, safeStorage, session } from 'electron'
import Store from 'electron-store'
import { createKeyward } from '../core/app'
import { createLogger } from '../core/logger'
import { defaultDataDir } from '../core/paths'
import { storeOver } from '../core/preferences'
import { defaultPreferences, type Preferences } from '../shared/model'
import { bindIpc } from './ipc'
import { electronNativeBinding } from './native-binding'
import { safeStorageKeychain } from './safe-storage-keychain'
import { hardenSession, hardenWebContents } from './security'
import { createMainWindow } from './window'

// The Electron host only wires things together; the application is src/core.
const here = import.meta.dirname

export function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  const rendererUrl = process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(here, '../renderer/index.html')).href
  const appOrigin = new URL(rendererUrl)
  const isAppUrl = (url: string) => {
    try {
      const u = new URL(url)
      return appOrigin.protocol === 'file:' ? u.protocol === 'file:' && u.pathname === appOrigin.pathname : u.origin === appOrigin.origin
    } catch {
      return false
    }
  }
  let window: BrowserWindow | null = null

  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl))

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession)
    const dataDir = defaultDataDir()
    const prefsBackend = new Store<Preferences>({ name: 'preferences', cwd: dataDir, defaults: defaultPreferences })
    const prefs = storeOver({ read: () => prefsBackend.store, write: (value) => (prefsBackend.store = value) })
    const core = createKeyward({
      dataDir,
      logger: createLogger(),
      preferences: prefs,
      keychain: safeStorageKeychain(safeStorage, join(app.getPath('userData'), 'keychain')),
      nativeBinding: electronNativeBinding(app.getAppPath()),
      // migrations: the core finds them next to its own module (out/main/migrations once bundled)
    })
    window = createMainWindow({ preload: join(here, '../preload/index.cjs'), url: rendererUrl, prefs })
    window.on('closed', () => (window = null))
    bindIpc(ipcMain, core, () => window, isAppUrl)
    // Lock when the machine sleeps or the screen locks: the key leaves memory.
    powerMonitor.on('suspend', () => void core.lock('suspend'))
    powerMonitor.on('lock-screen', () => void core.lock('suspend'))
    app.on('before-quit', () => void core.close())
  })
  app.on('window-all-closed', () => app.quit())
}

main()
