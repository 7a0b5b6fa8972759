import { beforeEach, describe, expect, it, vi } from 'vitest'
import { PASSPHRASE, tempDir } from '../helpers/core'

// No Electron binary can run here, so the host's wiring is tested against a recording fake of
// the `electron` module: every security switch and handler is asserted, not assumed.
const fake = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events')
  class FakeWebContents extends EventEmitter {
    static nextId = 1
    id = FakeWebContents.nextId++
    mainFrame = { url: 'file:///app/out/renderer/index.html' }
    windowOpenHandler: ((d: unknown) => unknown) | undefined
    sent: unknown[][] = []
    setWindowOpenHandler(h: (d: unknown) => unknown) {
      this.windowOpenHandler = h
    }
    send(...args: unknown[]) {
      this.sent.push(args)
    }
  }
  class FakeBrowserWindow extends EventEmitter {
    static instances: FakeBrowserWindow[] = []
    webContents = new FakeWebContents()
    loaded: string | undefined
    constructor(public options: Record<string, unknown>) {
      super()
      FakeBrowserWindow.instances.push(this)
    }
    loadURL(url: string) {
      this.loaded = url
      return Promise.resolve()
    }
    isDestroyed() {
      return false
    }
    getBounds() {
      return { width: 1000, height: 700, x: 1, y: 2 }
    }
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false
    }
  }
  const sessionHandlers: Record<string, (...args: never[]) => unknown> = {}
  const session = {
    setPermissionRequestHandler: (h: never) => (sessionHandlers.request = h),
    setPermissionCheckHandler: (h: never) => (sessionHandlers.check = h),
    webRequest: { onHeadersReceived: (h: never) => (sessionHandlers.headers = h) },
  }
  const ipcHandlers: Record<string, (...args: unknown[]) => unknown> = {}
  const app = Object.assign(new EventEmitter(), {
    lock: true,
    quitCalled: 0,
    requestSingleInstanceLock: () => app.lock,
    quit: () => void (app.quitCalled += 1),
    whenReady: () => Promise.resolve(),
    getPath: () => '/tmp/keyward-fake-userdata',
    getAppPath: () => '/tmp/keyward-fake-app',
  })
  return {
    FakeBrowserWindow,
    FakeWebContents,
    sessionHandlers,
    ipcHandlers,
    app,
    electron: {
      app,
      BrowserWindow: FakeBrowserWindow,
      ipcMain: { handle: (c: string, h: never) => (ipcHandlers[c] = h), removeHandler: (c: string) => delete ipcHandlers[c] },
      powerMonitor: new EventEmitter(),
      safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text' },
      session: { defaultSession: session },
    },
  }
})

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }))
vi.mock('electron-store', () => ({
  default: class {
    store: Record<string, unknown>
    constructor(o: { defaults: Record<string, unknown> }) {
      this.store = { ...o.defaults }
    }
  },
}))

const { secureWebPreferences, hardenWebContents, hardenSession } = await import('../../src/main/security')
const { bindIpc, isTrustedSender } = await import('../../src/main/ipc')

const appUrl = 'file:///app/out/renderer/index.html'
const isAppUrl = (url: string) => url === appUrl

describe('Electron window security', () => {
  it('turns on contextIsolation and sandbox, and off nodeIntegration, webviews and insecure content', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })

  it('blocks navigation away from the app, new windows and webviews', () => {
    const contents = new fake.FakeWebContents()
    hardenWebContents(contents as never, isAppUrl)
    const navigate = (event: string, url: string) => {
      const e = { prevented: false, preventDefault() {
        this.prevented = true
      } }
      contents.emit(event, e, url)
      return e.prevented
    }
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true)
    expect(navigate('will-navigate', appUrl)).toBe(false)
    expect(navigate('will-attach-webview', appUrl)).toBe(true)
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
  })

  it('denies every permission request and sets a strict CSP on every response', () => {
    hardenSession(fake.electron.session.defaultSession as never)
    const answers: boolean[] = []
    fake.sessionHandlers.request!(...([null, 'media', (allowed: boolean) => answers.push(allowed)] as never[]))
    fake.sessionHandlers.request!(...([null, 'notifications', (allowed: boolean) => answers.push(allowed)] as never[]))
    expect(answers).toEqual([false, false])
    expect(fake.sessionHandlers.check!(...([null, 'clipboard-read'] as never[]))).toBe(false)
    let headers: Record<string, string[]> = {}
    fake.sessionHandlers.headers!(...([{ responseHeaders: { a: ['b'] } }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders)] as never[]))
    expect(headers['Content-Security-Policy']![0]).toMatch(/default-src 'self'; script-src 'self'/)
    expect(headers['Content-Security-Policy']![0]).toContain("object-src 'none'")
    expect(headers.a).toEqual(['b'])
  })
})

describe('the IPC binding', () => {
  const core = { dispatch: vi.fn(async () => ({ ok: true, value: 'dispatched' })), on: vi.fn(() => () => {}) }
  let window: InstanceType<typeof fake.FakeBrowserWindow>
  beforeEach(() => {
    core.dispatch.mockClear()
    window = new fake.FakeBrowserWindow({})
    bindIpc(fake.electron.ipcMain as never, core as never, () => window as never, isAppUrl)
  })
  const call = (event: object) => fake.ipcHandlers['keyward:invoke']!(event, 'regions.list', {})

  it("dispatches calls from the app's own window and page", async () => {
    const event = { sender: window.webContents, senderFrame: window.webContents.mainFrame }
    expect(await call(event)).toEqual({ ok: true, value: 'dispatched' })
    expect(core.dispatch).toHaveBeenCalledWith('regions.list', {}, { actor: 'desktop-admin', transport: 'ipc' })
  })

  it('refuses every other sender, failing closed when the frame is unknown', async () => {
    const other = new fake.FakeWebContents()
    const cases = [
      { sender: other, senderFrame: other.mainFrame },
      { sender: window.webContents, senderFrame: null },
      { sender: window.webContents, senderFrame: undefined },
      { sender: window.webContents, senderFrame: { url: appUrl } }, // a sub-frame
      { sender: window.webContents, senderFrame: Object.assign(window.webContents.mainFrame, { url: 'https://evil.example/' }) },
    ]
    for (const event of cases) {
      expect(await call(event)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } })
    }
    expect(core.dispatch).not.toHaveBeenCalled()
    expect(isTrustedSender({ sender: window.webContents, senderFrame: window.webContents.mainFrame } as never, null, isAppUrl)).toBe(false)
  })
})

describe('the main process wiring', () => {
  it('takes the single-instance lock, builds a hardened window and locks the vault on suspend', async () => {
    process.env.KEYWARD_DATA_DIR = tempDir()
    fake.FakeBrowserWindow.instances.length = 0
    await import('../../src/main/index')
    await new Promise((r) => setTimeout(r, 50))
    const [window] = fake.FakeBrowserWindow.instances
    expect(window).toBeDefined()
    expect(window!.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(String((window!.options.webPreferences as { preload: string }).preload)).toMatch(/preload[/\\]index\.cjs$/)
    expect(window!.loaded).toMatch(/^file:.*renderer\/index\.html$/)
    expect(fake.ipcHandlers['keyward:invoke']).toBeTypeOf('function')
    // the real core answers through the IPC handler; suspend locks it
    window!.webContents.mainFrame.url = window!.loaded!
    const trusted = { sender: window!.webContents, senderFrame: window!.webContents.mainFrame }
    const invoke = (method: string, input: unknown) => fake.ipcHandlers['keyward:invoke']!(trusted, method, input) as Promise<{ ok: boolean; value: { state: string } }>
    const setup = await invoke('vault.setup', { passphrase: PASSPHRASE })
    expect(setup, JSON.stringify(setup)).toMatchObject({ ok: true, value: { state: 'unlocked' } })
    fake.electron.powerMonitor.emit('suspend')
    await new Promise((r) => setTimeout(r, 20))
    expect((await invoke('vault.status', {})).value.state).toBe('locked')
    expect(fake.electron.powerMonitor.listenerCount('suspend')).toBe(1)
    expect(fake.electron.powerMonitor.listenerCount('lock-screen')).toBe(1)
    expect(fake.app.listenerCount('web-contents-created')).toBe(1)
    expect(fake.app.listenerCount('second-instance')).toBe(1)
    // a second instance gives up at once
    fake.app.lock = false
    const { main } = await import('../../src/main/index')
    main()
    expect(fake.app.quitCalled).toBe(1)
  })
})

