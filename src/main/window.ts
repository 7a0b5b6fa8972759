import { BrowserWindow } from 'electron'
import type { PreferencesStore } from '../core/preferences'
import { secureWebPreferences } from './security'

export interface WindowOptions {
  preload: string
  /** file:// URL of the built renderer, or the dev server URL. */
  url: string
  prefs: PreferencesStore
}

export function createMainWindow({ preload, url, prefs }: WindowOptions): BrowserWindow {
  const bounds = prefs.get().windowBounds
  const window = new BrowserWindow({
    width: bounds?.width ?? 1280,
    height: bounds?.height ?? 820,
    x: bounds?.x,
    y: bounds?.y,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Keyward',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  })
  window.once('ready-to-show', () => window.show())
  window.on('close', () => {
    const { width, height, x, y } = window.getBounds()
    prefs.set({ windowBounds: { width, height, x, y } })
  })
  void window.loadURL(url)
  return window
}
