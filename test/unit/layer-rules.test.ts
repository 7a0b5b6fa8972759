import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

// The layer rules of STYLE.md are lint errors; these cases prove the rules bite.
const eslint = new ESLint()
async function errorsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return result!.messages.filter((m) => m.severity === 2 && m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('layer rules', () => {
  it('forbid electron and React in src/core and src/shared', async () => {
    expect(await errorsFor('src/core/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await errorsFor('src/shared/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await errorsFor('src/core/x.ts', "import React from 'react'\nexport const a = React\n")).toHaveLength(1)
  })

  it('forbid Node built-ins in src/shared (the renderer imports it)', async () => {
    expect(await errorsFor('src/shared/x.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toHaveLength(1)
    expect(await errorsFor('src/shared/x.ts', "import crypto from 'crypto'\nexport const a = crypto\n")).toHaveLength(1)
  })

  it('forbid Node built-ins, electron and src/core in the renderer', async () => {
    expect(await errorsFor('src/renderer/src/x.ts', "import { readFileSync } from 'fs'\nexport const a = readFileSync\n")).toHaveLength(1)
    expect(await errorsFor('src/renderer/src/x.ts', "import { ipcRenderer } from 'electron'\nexport const a = ipcRenderer\n")).toHaveLength(1)
    expect(await errorsFor('src/renderer/src/x.ts', "import { createKeyward } from '../../core/app'\nexport const a = createKeyward\n")).toHaveLength(1)
  })

  it('allow what each layer needs', async () => {
    expect(await errorsFor('src/core/x.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toEqual([])
    expect(await errorsFor('src/main/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([])
    expect(await errorsFor('src/renderer/src/x.ts', "import { contract } from '../../shared/contract'\nexport const a = contract\n")).toEqual([])
  })
})
