import type { Command } from 'commander'
import { defineServerCommand } from '../../server/command'

/** `keyward server [options]` and `keyward server admin create …`. */
export function registerServer(program: Command): void {
  defineServerCommand(program.command('server'))
}
