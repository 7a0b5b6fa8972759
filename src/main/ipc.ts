import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron'
import type { Keyward } from '../core/app'
import { eventNames } from '../shared/contract'
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../shared/bridge'
import { fail } from '../shared/result'

/**
 * Only the app's own window, on its own page, may call the core. Anything else — another
 * webContents, a sub-frame, a frame that navigated away or is gone — is refused.
 */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null, isAppUrl: (url: string) => boolean): boolean {
  if (!window || window.isDestroyed()) return false
  if (event.sender !== window.webContents) return false
  const frame = event.senderFrame
  if (!frame || frame !== event.sender.mainFrame) return false
  return isAppUrl(frame.url)
}

/** One channel for every method; the dispatcher does the rest. Events go out on a second channel. */
export function bindIpc(ipcMain: IpcMain, core: Keyward, getWindow: () => BrowserWindow | null, isAppUrl: (url: string) => boolean): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, input: unknown) => {
    if (!isTrustedSender(event, getWindow(), isAppUrl)) {
      return fail({ code: 'FORBIDDEN_SENDER', message: 'This request did not come from the Keyward window and was refused.' })
    }
    return core.dispatch(String(method), input, { actor: 'desktop-admin', transport: 'ipc' })
  })
  const unsubscribe = eventNames.map((name) =>
    core.on(name, (payload) => {
      const window = getWindow()
      if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT_CHANNEL, name, payload)
    }),
  )
  return () => {
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL)
    unsubscribe.forEach((off) => off())
  }
}
