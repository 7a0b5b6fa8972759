import { execSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The bridge serves out/renderer as built: build it once per run so specs see the current UI. */
export default function globalSetup(): void {
  execSync('npm run build:web', { cwd: root, stdio: 'inherit' })
}
