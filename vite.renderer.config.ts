import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, type UserConfig } from 'vite'

const root = fileURLToPath(new URL('./src/renderer', import.meta.url))
const outDir = fileURLToPath(new URL('./out/renderer', import.meta.url))
const bridge = process.env.KEYWARD_BRIDGE

/**
 * index.html carries the same Content-Security-Policy the bridge and Electron send. The dev
 * server needs inline scripts for hot reload, so the meta tag is dropped while serving only;
 * every build keeps it.
 */
const relaxCspForDevServer = (): Plugin => ({
  name: 'keyward:relax-csp-for-dev-server',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace(/\s*<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, ''),
})

/** The renderer alone: `npm run build:web` for the HTTP bridge, reused by electron.vite.config.ts. */
const config: UserConfig = {
  root,
  base: './',
  plugins: [react(), relaxCspForDevServer()],
  build: {
    outDir,
    emptyOutDir: true,
    // Electron 45's Chromium and Debian's Chromium both run modern ES.
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
  // `KEYWARD_BRIDGE=http://127.0.0.1:PORT npx vite --config vite.renderer.config.ts`, then open
  // the dev server with the bridge's `#token=…`: calls and events go to the running bridge.
  server: {
    host: '127.0.0.1',
    proxy: bridge ? { '/rpc': bridge, '/events': bridge } : undefined,
  },
}

export default defineConfig(config)
