import { Command, CommanderError } from 'commander'
import { isKeywardError } from '../shared/errors'
import { registerServe } from './commands/serve'
import { registerServer } from './commands/server'

const program = new Command()
  .name('keyward')
  .description('Keyward: administer API keys for on-premise customers, from the command line.')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

registerServe(program)
registerServer(program)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  // One line, with the stable code when there is one; never a stack trace.
  const line = isKeywardError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
  process.stderr.write(`keyward: ${line}\n`)
  process.exit(1)
}
