import { afterEach, describe, expect, it } from 'vitest'
import { openCore, type TestCore } from '../helpers/core'

let t: TestCore
afterEach(async () => t?.close())

describe('sample.load', () => {
  it('builds a whole organisation through the contract methods, audited like user actions', async () => {
    t = await openCore()
    const summary = await t.client.call('sample.load', {})
    expect(summary.regions).toBeGreaterThanOrEqual(2)
    expect(summary.rotatedKeys).toBeGreaterThan(0)
    expect(summary.revokedKeys).toBeGreaterThan(0)
    expect(summary.usersWithTotp).toBeGreaterThan(0)
    expect(summary.users).toBeGreaterThan(summary.usersWithTotp)
    expect(summary.tokens).toBeGreaterThan(0)

    const clients = await t.client.call('clients.list', {})
    expect(new Set(clients.map((c) => c.tier))).toEqual(new Set(['blue', 'gold', 'platinum']))
    for (const c of clients) expect(c.licenceCount).toBeLessThanOrEqual(c.licenceLimit)
    expect(clients.reduce((n, c) => n + c.licenceCount, 0)).toBe(summary.licences)

    const keys = await t.client.call('keys.list', {})
    expect(new Set(keys.map((k) => k.applicationKind))).toEqual(new Set(['workflow', 'mobile', 'erp']))
    expect(keys.some((k) => k.status === 'revoked')).toBe(true)
    expect(keys.some((k) => k.rotation.state === 'grace')).toBe(true)
    // One active key per (licence, application): the sample obeys the rule it demonstrates.
    const current = keys.filter((k) => k.status !== 'revoked' && k.rotation.state === 'none')
    expect(new Set(current.map((k) => `${k.licenceId}|${k.applicationKind}`)).size).toBe(current.length)

    // Every creation went through the dispatcher, so the audit log has each of them.
    const audit = await t.client.call('audit.list', { limit: 500 })
    const actions = audit.entries.map((e) => e.action)
    expect(actions.filter((a) => a === 'keys.create').length).toBe(summary.keys)
    expect(actions.filter((a) => a === 'clients.create').length).toBe(summary.clients)
    expect(audit.entries.filter((e) => e.action === 'keys.create').every((e) => e.actor === 'test-admin')).toBe(true)
    expect((await t.client.call('audit.verify', {})).ok).toBe(true)
  })

  it('refuses a vault that already has data, and changes nothing', async () => {
    t = await openCore()
    await t.client.call('regions.create', { name: 'eu-west' })
    const before = await t.client.call('audit.list', { limit: 500 })
    const result = await t.client.invoke('sample.load', {})
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('VAULT_NOT_EMPTY')
    expect((await t.client.call('regions.list', {})).map((r) => r.name)).toEqual(['eu-west'])
    expect((await t.client.call('audit.list', { limit: 500 })).entries.length).toBe(before.entries.length)
  })
})
