import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type KeywardBridge } from '../shared/bridge'

/**
 * The only thing the page gets: `window.keyward.invoke(method, input)` and
 * `window.keyward.on(event, listener)`. No ipcRenderer, no Node, no arbitrary channels.
 */
export const bridge: KeywardBridge = {
  invoke: (method, input) => ipcRenderer.invoke(IPC_INVOKE_CHANNEL, method, input),
  on(event, listener) {
    const handler = (_e: IpcRendererEvent, name: string, payload: unknown) => {
      if (name === event) listener(payload as never)
    }
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler)
    }
  },
}

contextBridge.exposeInMainWorld('keyward', Object.freeze(bridge))
