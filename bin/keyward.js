#!/usr/bin/env node
// The `keyward` command. It runs the TypeScript sources through tsx, so the CLI, the UI
// bridge and the tests all execute the very same core code.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
