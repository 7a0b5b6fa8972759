import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import renderer from './vite.renderer.config'

const migrations = resolve('src/core/store/migrations')

/** The store reads its numbered .sql migrations from disk; ship them beside the main bundle. */
function copyMigrations(): Plugin {
  return {
    name: 'keyward-copy-migrations',
    writeBundle(options) {
      const target = join(options.dir ?? 'out/main', 'migrations')
      mkdirSync(target, { recursive: true })
      for (const file of readdirSync(migrations).filter((f) => f.endsWith('.sql'))) copyFileSync(join(migrations, file), join(target, file))
    },
  }
}

export default defineConfig({
  main: {
    plugins: [copyMigrations()],
    build: {
      // Native addons and keytar stay outside the bundle and load from node_modules.
      externalizeDeps: true,
      rollupOptions: { input: { index: resolve('src/main/index.ts') } },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      // Sandboxed preloads must be CommonJS.
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer,
})
