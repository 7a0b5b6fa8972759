import { afterEach, describe, expect, it } from 'vitest'
import { Secret } from 'otpauth'
import { totpCodeAt } from '../../../src/core/users/totp'
import { openCore, type TestCore } from '../../helpers/core'
import { testClock } from '../../helpers/keys'
import { expectRefusedUnchanged } from '../../helpers/store'
import { makeKeyedCollection, makeUser } from '../../helpers/users'

let t: TestCore
afterEach(async () => t?.close())

const STEP = 30_000

async function setup() {
  // the middle of a 30 s step, so ±1 step is unambiguous
  const clock = testClock('2026-01-15T10:00:15.000Z')
  t = await openCore({ clock: clock.clock })
  const base = await makeKeyedCollection(t.client)
  const { user, password, totp } = await makeUser(t.client, base.collection.id, base.key.id, { authMethod: 'password_totp' })
  const secret = Buffer.from(Secret.fromBase32(totp!.secret).bytes)
  const code = (offsetSteps = 0) => totpCodeAt(secret, clock.now.getTime() + offsetSteps * STEP)
  return { ...base, clock, user, password, totp: totp!, code, creds: { userId: user.id, clientId: user.clientId, password } }
}

describe('TOTP two-factor authentication', () => {
  it('hands out a provisioning URI and QR code once, and enforces TOTP only after a first code confirmed it', async () => {
    const { user, totp, code, creds } = await setup()
    expect(totp.uri).toMatch(/^otpauth:\/\/totp\/Keyward:svc-erp%20\(acme-prod\)\?/)
    expect(totp.uri).toContain(`secret=${totp.secret}`)
    expect(totp.uri).toContain('period=30')
    expect(totp.qrSvg.startsWith('<svg')).toBe(true)
    expect(user).toMatchObject({ authMethod: 'password', totpPending: true })
    expect(JSON.stringify(await t.client.call('users.get', { id: user.id }))).not.toContain(totp.secret)
    // not yet enforced
    expect((await t.client.invoke('tokens.generate', creds)).ok).toBe(true)
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.confirmTotp', { id: user.id, code: '000000' === code() ? '111111' : '000000' }), 'TOTP_CODE_INVALID')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.confirmTotp', { id: user.id, code: 'abc' }), 'TOTP_CODE_INVALID')
    const confirmed = await t.client.call('users.confirmTotp', { id: user.id, code: code() })
    expect(confirmed).toMatchObject({ authMethod: 'password_totp', totpPending: false })
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.confirmTotp', { id: user.id, code: code() }), 'TOTP_NOT_PENDING')
  })

  it('needs the right, fresh code: missing, wrong, expired and replayed codes are refused', async () => {
    const { user, code, creds, clock } = await setup()
    await t.client.call('users.confirmTotp', { id: user.id, code: code() })
    expect(await t.client.invoke('tokens.generate', creds)).toMatchObject({ ok: false, error: { code: 'TOKEN_TOTP_REQUIRED' } })
    // the code used for confirmation cannot be used again
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: code() })).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    clock.advance(STEP)
    const wrong = code() === '123456' ? '654321' : '123456'
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: wrong })).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    // two steps old: outside the ±1 step window (and the 4th failure in a row: a 2 s back-off starts)
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: code(-2) })).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: code() })).toMatchObject({ ok: false, error: { code: 'TOKEN_RATE_LIMITED' } })
    clock.advance(2_000)
    // spaces are ignored
    const ok = await t.client.invoke('tokens.generate', { ...creds, totp: ` ${code().slice(0, 3)} ${code().slice(3)} ` })
    expect(ok.ok).toBe(true)
    // replay of the same code within its step
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: code() })).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    // the next step's code works (clock drift of one step is tolerated)
    expect((await t.client.invoke('tokens.generate', { ...creds, totp: code(1) })).ok).toBe(true)
    // and after that, the current step's code is older than the last accepted one
    expect(await t.client.invoke('tokens.generate', { ...creds, totp: code() })).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    const reasons = (await t.client.call('audit.list', { action: 'tokens.refused', limit: 100 })).entries.map((e) => e.details.reason)
    expect(reasons).toEqual(['totp_replayed', 'totp_replayed', 'rate_limited', 'totp_wrong', 'totp_wrong', 'totp_replayed', 'totp_missing'])
  })

  it('can be set up again and turned off', async () => {
    const { user, code, creds, clock } = await setup()
    await t.client.call('users.confirmTotp', { id: user.id, code: code() })
    const again = await t.client.call('users.setupTotp', { id: user.id })
    expect(again.user).toMatchObject({ authMethod: 'password_totp', totpPending: true })
    const off = await t.client.call('users.disableTotp', { id: user.id })
    expect(off).toMatchObject({ authMethod: 'password', totpPending: false })
    clock.advance(STEP)
    expect((await t.client.invoke('tokens.generate', creds)).ok).toBe(true)
    await expectRefusedUnchanged(t.core, () => t.client.invoke('users.disableTotp', { id: user.id }), 'TOTP_NOT_ENABLED')
    const row = t.core.session().db.prepare('SELECT totp_secret, totp_pending, totp_last_step FROM service_users WHERE id = ?').get(user.id)
    expect(row).toEqual({ totp_secret: null, totp_pending: null, totp_last_step: null })
  })
})
