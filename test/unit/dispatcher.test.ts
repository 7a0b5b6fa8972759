import { z } from 'zod'
import { describe, expect, it } from 'vitest'
import { contract, methodNames } from '../../src/shared/contract'
import { createDispatcher, type Handlers } from '../../src/core/dispatcher'
import { KeywardError } from '../../src/shared/errors'
import { makeCore, openCore } from '../helpers/core'

const ctx = { actor: 'tester', transport: 'inprocess' as const }

function recordingLogger() {
  const lines: string[] = []
  const log = (obj: object, msg: string) => lines.push(JSON.stringify({ ...obj, msg }))
  return { lines, logger: { debug: log, info: log, warn: log, error: log } }
}

describe('the contract', () => {
  it('lists the whole method surface (a change here is a reviewed API change)', () => {
    const surface = methodNames.map((name) => ({
      name,
      access: contract[name].access,
      input: z.toJSONSchema(contract[name].input, { io: 'input', unrepresentable: 'any' }),
      output: z.toJSONSchema(contract[name].output, { unrepresentable: 'any' }),
    }))
    expect(surface).toMatchSnapshot()
  })

  it('names every method domain.verb', () => {
    for (const name of methodNames) expect(name).toMatch(/^[a-z][a-zA-Z]*\.[a-z][a-zA-Z]*$/)
  })
})

describe('the dispatcher', () => {
  it('answers an unknown method with UNKNOWN_METHOD', async () => {
    const t = makeCore()
    expect(await t.core.dispatch('keys.explode', {}, ctx)).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD', message: 'There is no method named "keys.explode".' } })
    expect((await t.core.dispatch('__proto__', {}, ctx)).ok).toBe(false)
    expect((await t.core.dispatch('constructor', {}, ctx)).ok).toBe(false)
    await t.close()
  })

  it('answers malformed input with INVALID_INPUT and never echoes the values', async () => {
    const t = await openCore()
    const secret = 'hunter2-super-secret-value'
    for (const input of [null, 42, 'text', [], { name: 7 }, { name: 'ok', extra: secret }, { passphrase: 5 }]) {
      const r = await t.core.dispatch('regions.create', input, ctx)
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_INPUT')
        expect(r.error.message).not.toContain(secret)
      }
    }
    const bad = await t.core.dispatch('vault.unlock', { passphrase: { toString: secret } }, ctx)
    expect(JSON.stringify(bad)).not.toContain(secret)
    await t.close()
  })

  it('turns a throwing handler into INTERNAL with a reference, without stack or secret', async () => {
    const { lines, logger } = recordingLogger()
    const secret = 'sk_live_do_not_leak'
    const handlers = new Proxy({} as Handlers, {
      get: () => () => {
        throw new Error(`database exploded with ${secret}\n    at secretFunction (/src/core/x.ts:1:1)`)
      },
    })
    const dispatch = createDispatcher(handlers, { logger, requireUnlocked: () => {} })
    const r = await dispatch('regions.list', {}, ctx)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe('INTERNAL')
      expect(r.error.message).toMatch(/reference [0-9a-f-]{36}/)
      expect(r.error.message).not.toContain(secret)
      expect(r.error.message).not.toContain(' at ')
    }
    expect(lines.join('\n')).not.toContain('secretFunction')
  })

  it('passes coded errors through and rejects outputs outside the contract', async () => {
    const { logger } = recordingLogger()
    const handlers = new Proxy({} as Handlers, {
      get: (_t, name) =>
        name === 'regions.create'
          ? () => {
              throw new KeywardError('NAME_TAKEN', 'taken')
            }
          : () => ({ not: 'a region list' }),
    })
    const dispatch = createDispatcher(handlers, { logger, requireUnlocked: () => {} })
    expect(await dispatch('regions.create', { name: 'x' }, ctx)).toEqual({ ok: false, error: { code: 'NAME_TAKEN', message: 'taken' } })
    const r = await dispatch('regions.list', {}, ctx)
    expect(!r.ok && r.error.code).toBe('INVALID_OUTPUT')
  })

  it('refuses unlocked-only methods while locked, but answers status', async () => {
    const t = makeCore()
    expect(await t.client.invoke('regions.list', {})).toMatchObject({ ok: false, error: { code: 'VAULT_NOT_INITIALIZED' } })
    expect(await t.client.invoke('vault.status', {})).toMatchObject({ ok: true, value: { state: 'uninitialized' } })
    await t.close()
  })
})
