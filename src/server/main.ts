// `npm run server`: the remote Keyward instance on its own, with the same options as
// `keyward server`.
import { Command, CommanderError } from 'commander'
import { isKeywardError } from '../shared/errors'
import { defineServerCommand } from './command'

const program = defineServerCommand(new Command('keyward-server')).showHelpAfterError('(run with --help for usage)').exitOverride()

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode)
  const line = isKeywardError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)
  process.stderr.write(`keyward-server: ${line}\n`)
  process.exit(1)
}
