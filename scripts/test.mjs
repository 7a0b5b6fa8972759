#!/usr/bin/env node
// `npm test`: unit tests (Vitest) then end-to-end tests (Playwright in Debian's Chromium).
// On Linux the whole run happens inside a private D-Bus session with an unlocked
// gnome-keyring and a throwaway HOME, so keychain tests talk to a real Secret Service
// without touching the user's own keyring.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// `node scripts/test.mjs [unit|e2e [args...]]...`: arguments after a step name go to that step's
// runner, e.g. `npm run test:e2e -- test/e2e/records.spec.ts` or `npm run test:unit -- sync`
const commands = {
  unit: 'npx vitest run',
  e2e: 'npx playwright test',
}
const quote = (arg) => `'${arg.replaceAll("'", "'\\''")}'`
const steps = []
for (const arg of process.argv.slice(2)) {
  if (arg in commands) steps.push([commands[arg]])
  else if (steps.length) steps.at(-1).push(quote(arg))
  else {
    console.error(`unknown test step "${arg}": expected one of ${Object.keys(commands).join(', ')}, each followed by its runner's arguments`)
    process.exit(2)
  }
}
if (!steps.length) steps.push([commands.unit], [commands.e2e])
const script = steps.map((words) => words.join(' ')).join(' && ')

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
const inKeyring = process.platform === 'linux' && has('dbus-run-session') && has('gnome-keyring-daemon') && !process.env.KEYWARD_IN_TEST_KEYRING

let status
if (inKeyring) {
  const home = mkdtempSync(join(tmpdir(), 'keyward-test-home-'))
  const inner = `printf 'keyward-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${script}`
  status = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner], {
    stdio: 'inherit',
    env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local/share'), KEYWARD_IN_TEST_KEYRING: '1' },
  }).status
  rmSync(home, { recursive: true, force: true })
} else {
  if (process.platform === 'linux') console.log('keyring: dbus-run-session or gnome-keyring-daemon missing; keychain tests will say they were skipped')
  status = spawnSync('sh', ['-c', script], { stdio: 'inherit' }).status
}
process.exit(status ?? 1)
