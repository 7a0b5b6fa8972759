import { Command, CommanderError } from 'commander'
import { isKeywardError } from '../shared/errors'
import { registerAudit } from './commands/audit'
import { registerBundle } from './commands/bundle'
import { registerInstallation } from './commands/installation'
import { registerKeys } from './commands/keys'
import { registerScan } from './commands/scan'
import { registerServe } from './commands/serve'
import { registerServer } from './commands/server'

/**
 * Exit codes: 0 success, 1 a coded refusal or failure, 2 a usage error, 3 an answer that is
 * not "all clear" (`scan` found keys, `keys verify` answered anything but VALID).
 */
const program = new Command()
  .name('keyward')
  .description(
    'Keyward: administer API keys for on-premise customers, from the command line.\n' +
      'Commands that open the vault ask for the master passphrase without echo (or read\n' +
      '--passphrase-file / $KEYWARD_PASSPHRASE_FILE), after trying the OS keychain.',
  )
  .configureHelp({ sortSubcommands: true, showGlobalOptions: false })
  .configureOutput({
    // Commander's own errors become the same one line as every other error.
    outputError: (text, write) => write(`keyward: USAGE: ${text.replace(/^error: /, '').trim()} (see --help)\n`),
  })
  .exitOverride()
  .addHelpText('after', '\nExamples:\n  keyward audit report -o ./reports\n  keyward audit verify ./reports/keyward-audit-….html\n  keyward bundle export -c <collection id> -r age1…\n  keyward bundle inspect bundle.age.asc -i identity.txt\n  keyward scan ./src ./deploy\n  keyward keys list -c acme-prod\n  echo "$KEY" | keyward keys verify - --ip 10.0.0.5\n  keyward serve --ui')

registerAudit(program)
registerBundle(program)
registerInstallation(program)
registerKeys(program)
registerScan(program)
registerServe(program)
registerServer(program)

// Every (sub)command exits through the override, so the catch below sees usage errors too.
const exitOverride = (command: Command) => {
  command.exitOverride()
  command.commands.forEach(exitOverride)
}
exitOverride(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    const clean = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' || error.exitCode === 0
    process.exit(clean ? 0 : 2)
  }
  // One line, with the stable code when there is one; never a stack trace.
  const line = isKeywardError(error) ? `${error.code}: ${error.message}` : `INTERNAL: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`
  process.stderr.write(`keyward: ${line}\n`)
  process.exit(1)
}
