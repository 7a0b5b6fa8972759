import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose'
import { generateKeyPairSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { signJwt, type TokenClaims } from '../../../src/core/tokens/jwt'
import { signingKeyByKid, signingPrivateKey } from '../../../src/core/tokens/signing-keys'
import { openCore, type TestCore } from '../../helpers/core'
import { HOUR, testClock } from '../../helpers/keys'
import { expectRefusedUnchanged, storeSnapshot } from '../../helpers/store'
import { makeKeyedCollection, makeUser } from '../../helpers/users'

let t: TestCore
afterEach(async () => t?.close())

async function setup() {
  const clock = testClock()
  t = await openCore({ clock: clock.clock })
  const base = await makeKeyedCollection(t.client)
  const { user, password } = await makeUser(t.client, base.collection.id, base.key.id)
  return { ...base, clock, user, password, creds: { userId: user.id, clientId: user.clientId, password } }
}

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url')

describe('tokens.generate', () => {
  it('issues an EdDSA JWT with kid, iss, sub, aud, client_id, scope, iat, exp, jti that verifies against the JWKS', async () => {
    const { collection, user, creds, clock, key } = await setup()
    const { token, tokenType, info } = await t.client.call('tokens.generate', creds)
    expect(tokenType).toBe('Bearer')
    const jwks = await t.client.call('tokens.jwks', { collectionId: collection.id })
    expect(jwks.keys).toHaveLength(1)
    const header = decodeProtectedHeader(token)
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: jwks.keys[0]!.kid })
    // an independent check with jose and nothing but the public JWKS
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['EdDSA'], audience: collection.id, currentDate: clock.now })
    const iat = Math.floor(clock.now.getTime() / 1000)
    expect(payload).toEqual({
      iss: `keyward:${t.core.session().installationId}`,
      sub: user.id,
      aud: collection.id,
      client_id: user.clientId,
      scope: 'rest.records.read rest.invoices.list soap.RecordService.GetRecord',
      iat,
      exp: iat + 3600,
      jti: info.id,
    })
    expect(info).toMatchObject({ userId: user.id, collectionId: collection.id, keyId: key.id, kid: header.kid, status: 'valid', scope: ['rest.records.read', 'rest.invoices.list', 'soap.RecordService.GetRecord'] })
    expect(await t.client.call('tokens.verify', { token })).toMatchObject({ code: 'VALID', tokenId: info.id, userId: user.id, clientId: user.clientId, collectionId: collection.id })
    expect((await t.client.call('users.get', { id: user.id })).lastTokenAt).toBe(info.issuedAt)
    // by username + collection, with a custom lifetime
    const byName = await t.client.call('tokens.generate', { username: 'SVC-ERP', collectionId: collection.id, clientId: user.clientId, password: creds.password, ttlSeconds: 120 })
    expect(Date.parse(byName.info.expiresAt) - Date.parse(byName.info.issuedAt)).toBe(120_000)
  })

  it('narrows the scope to what the key still allows', async () => {
    const { creds, key } = await setup()
    await t.client.call('keys.update', { id: key.id, permissions: key.permissions.filter((p) => p !== 'rest.invoices.list') })
    const { info } = await t.client.call('tokens.generate', creds)
    expect(info.scope).toEqual(['rest.records.read', 'soap.RecordService.GetRecord'])
  })

  it('refuses wrong credentials alike, without saying which part was wrong, and audits every attempt without the password', async () => {
    const { collection, user, creds } = await setup()
    const wrongs = [
      { ...creds, password: 'not-the-password' },
      { ...creds, clientId: 'kw_AAAAAAAAAAAAAAAAAAAA' },
      { username: 'nobody', collectionId: collection.id, clientId: user.clientId, password: creds.password },
      { userId: '0190a000-0000-7000-8000-000000000000', clientId: user.clientId, password: creds.password },
    ]
    const messages = new Set<string>()
    for (const input of wrongs) {
      const before = storeSnapshot(t.core)
      const r = await t.client.invoke('tokens.generate', input)
      expect(r.ok ? 'ok' : r.error.code).toBe('TOKEN_BAD_CREDENTIALS')
      if (!r.ok) messages.add(r.error.message)
      const after = storeSnapshot(t.core)
      // only the audit log and the back-off counter change on a refusal
      for (const table of Object.keys(before)) if (table !== 'audit_log' && table !== 'token_login_throttle') expect(after[table]).toEqual(before[table])
      expect(after.audit_log!.length).toBe(before.audit_log!.length + 1)
    }
    expect(messages.size).toBe(1)
    await t.client.call('tokens.generate', creds)
    const audit = await t.client.call('audit.list', { limit: 500 })
    const attempts = audit.entries.filter((e) => e.action.startsWith('tokens.refused') || e.action === 'tokens.generate')
    expect(attempts.map((e) => e.action)).toEqual(['tokens.generate', 'tokens.refused', 'tokens.refused', 'tokens.refused', 'tokens.refused'])
    expect(JSON.stringify(audit)).not.toContain(creds.password)
    expect(JSON.stringify(audit)).not.toContain('not-the-password')
  })

  it('backs off exponentially per user after repeated failures; success clears it', async () => {
    const { creds, clock } = await setup()
    const bad = { ...creds, password: 'wrong-wrong-wrong' }
    for (let i = 0; i < 3; i++) expect(await t.client.invoke('tokens.generate', bad)).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    // the 4th failure starts a 2 s block, the 5th doubles it
    expect(await t.client.invoke('tokens.generate', bad)).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    const blocked = await t.client.invoke('tokens.generate', creds)
    expect(blocked).toMatchObject({ ok: false, error: { code: 'TOKEN_RATE_LIMITED' } })
    clock.advance(2_000)
    expect(await t.client.invoke('tokens.generate', bad)).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    clock.advance(2_000)
    expect(await t.client.invoke('tokens.generate', creds)).toMatchObject({ ok: false, error: { code: 'TOKEN_RATE_LIMITED' } })
    clock.advance(2_000)
    expect((await t.client.invoke('tokens.generate', creds)).ok).toBe(true)
    // cleared: three more free mistakes
    for (let i = 0; i < 3; i++) expect(await t.client.invoke('tokens.generate', bad)).toMatchObject({ ok: false, error: { code: 'TOKEN_BAD_CREDENTIALS' } })
    expect((await t.client.invoke('tokens.generate', creds)).ok).toBe(true)
    const refused = (await t.client.call('audit.list', { action: 'tokens.refused', limit: 500 })).entries
    expect(refused.filter((e) => e.details.reason === 'rate_limited')).toHaveLength(2)
  })

  it('refuses inactive users and unusable keys once the credentials are right', async () => {
    const { creds, user, key } = await setup()
    const { token } = await t.client.call('tokens.generate', creds)
    await t.client.call('users.setStatus', { id: user.id, status: 'inactive' })
    expect(await t.client.invoke('tokens.generate', creds)).toMatchObject({ ok: false, error: { code: 'TOKEN_USER_INACTIVE' } })
    expect((await t.client.call('tokens.verify', { token })).code).toBe('SUBJECT_INACTIVE')
    await t.client.call('users.setStatus', { id: user.id, status: 'active' })
    expect((await t.client.call('tokens.verify', { token })).code).toBe('VALID')
    await t.client.call('keys.setStatus', { id: key.id, status: 'inactive' })
    expect(await t.client.invoke('tokens.generate', creds)).toMatchObject({ ok: false, error: { code: 'TOKEN_KEY_UNUSABLE' } })
    await t.client.call('keys.setStatus', { id: key.id, status: 'active' })
    // rotation: the user follows the successor and keeps working after the grace period
    const rotated = await t.client.call('keys.rotate', { id: key.id, graceHours: 0 })
    const next = await t.client.call('tokens.generate', creds)
    expect(next.info.keyId).toBe(rotated.key.id)
    await t.client.call('keys.revoke', { id: rotated.key.id })
    expect(await t.client.invoke('tokens.generate', creds)).toMatchObject({ ok: false, error: { code: 'TOKEN_KEY_UNUSABLE' } })
    expect((await t.client.call('tokens.verify', { token: next.token })).code).toBe('SUBJECT_INACTIVE')
  })

  it('validates input', async () => {
    const { creds } = await setup()
    await expectRefusedUnchanged(t.core, () => t.client.invoke('tokens.generate', { ...creds, ttlSeconds: 10 }), 'INVALID_INPUT')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('tokens.generate', { clientId: creds.clientId, password: 'x' } as never), 'INVALID_INPUT')
  })
})

describe('tokens.verify refuses every forgery', () => {
  async function forgeries() {
    const s = await setup()
    const { token, info } = await t.client.call('tokens.generate', s.creds)
    const session = t.core.session()
    const signing = signingKeyByKid(session, info.kid)!
    const privateKey = signingPrivateKey(session, signing)
    const [h, p] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as TokenClaims
    return { ...s, token, info, privateKey, h, claims }
  }

  it('expired, wrong audience, wrong issuer, unknown kid, alg none, HS256, tampered payload, garbage', async () => {
    const { token, info, privateKey, h, claims, clock, collection } = await forgeries()
    const sign = (c: Partial<TokenClaims>, kid = info.kid) => signJwt({ alg: 'EdDSA', typ: 'JWT', kid }, { ...claims, ...c }, privateKey)
    const verify = async (tok: string, audience?: string) => (await t.client.call('tokens.verify', { token: tok, audience })).code
    expect(await verify(sign({}))).toBe('VALID') // the forging kit itself works
    expect(await verify(sign({ aud: '0190a000-0000-7000-8000-000000000000' }))).toBe('WRONG_AUDIENCE')
    expect(await verify(token, '0190a000-0000-7000-8000-000000000000')).toBe('WRONG_AUDIENCE')
    expect(await verify(token, collection.id)).toBe('VALID')
    expect(await verify(sign({ iss: 'keyward:someone-else' }))).toBe('WRONG_ISSUER')
    expect(await verify(sign({}, 'no-such-kid'))).toBe('UNKNOWN_KEY')
    expect(await verify(`${b64({ alg: 'none', typ: 'JWT', kid: info.kid })}.${b64(claims)}.`)).toBe('BAD_ALGORITHM')
    expect(await verify(`${b64({ alg: 'HS256', typ: 'JWT', kid: info.kid })}.${b64(claims)}.${'A'.repeat(43)}`)).toBe('BAD_ALGORITHM')
    // tampered payload with the original signature
    const sig = token.split('.')[2]
    expect(await verify(`${h}.${b64({ ...claims, scope: 'rest.users.create' })}.${sig}`)).toBe('BAD_SIGNATURE')
    expect(await verify(`${h}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${sig}`)).toBe('BAD_SIGNATURE')
    // a valid signature over an unknown jti
    expect(await verify(sign({ jti: '0190a000-0000-7000-8000-000000000000' }))).toBe('NOT_FOUND')
    for (const junk of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${b64([1])}.${b64(claims)}.x`]) expect(await verify(junk)).toBe('MALFORMED')
    clock.advance(HOUR)
    expect(await verify(token)).toBe('EXPIRED')
  })

  it("refuses a token signed with another collection's key", async () => {
    const { token, info, claims, server } = await forgeries()
    const other = await t.client.call('collections.create', { serverId: server.id, name: 'other' })
    await t.client.call('tokens.rotateSigningKey', { collectionId: other.id })
    const otherKid = (await t.client.call('tokens.jwks', { collectionId: other.id })).keys[0]!.kid
    const otherKey = signingPrivateKey(t.core.session(), signingKeyByKid(t.core.session(), otherKid)!)
    // claims of collection A, kid of A, signature of B
    expect((await t.client.call('tokens.verify', { token: signJwt({ alg: 'EdDSA', typ: 'JWT', kid: info.kid }, claims, otherKey) })).code).toBe('BAD_SIGNATURE')
    // claims of A signed by B under B's kid: the audience is not B's collection
    expect((await t.client.call('tokens.verify', { token: signJwt({ alg: 'EdDSA', typ: 'JWT', kid: otherKid }, claims, otherKey) })).code).toBe('WRONG_AUDIENCE')
    // and a stranger's key
    const stranger = generateKeyPairSync('ed25519').privateKey
    expect((await t.client.call('tokens.verify', { token: signJwt({ alg: 'EdDSA', typ: 'JWT', kid: info.kid }, claims, stranger) })).code).toBe('BAD_SIGNATURE')
    expect((await t.client.call('tokens.verify', { token })).code).toBe('VALID')
  })

  it('revoked tokens and tokens of deleted users', async () => {
    const { token, info, creds, user } = await forgeries()
    const revoked = await t.client.call('tokens.revoke', { id: info.id, reason: 'leaked in a ticket' })
    expect(revoked).toMatchObject({ status: 'revoked', revokedReason: 'leaked in a ticket' })
    expect((await t.client.call('tokens.verify', { token })).code).toBe('REVOKED')
    const second = await t.client.call('tokens.generate', creds)
    await t.client.call('users.delete', { id: user.id })
    expect((await t.client.call('tokens.verify', { token: second.token })).code).toBe('REVOKED')
    await expectRefusedUnchanged(t.core, () => t.client.invoke('tokens.revoke', { id: '0190a000-0000-7000-8000-000000000000' }), 'TOKEN_NOT_FOUND')
  })
})

describe('history, reveal and signing-key rotation', () => {
  it('"View more" lists previous tokens newest first; reveal returns the value again and is audited', async () => {
    const { creds, user, clock } = await setup()
    const first = await t.client.call('tokens.generate', creds)
    clock.advance(60_000)
    const second = await t.client.call('tokens.generate', creds)
    const history = await t.client.call('tokens.history', { userId: user.id })
    expect(history.map((h) => h.id)).toEqual([second.info.id, first.info.id])
    expect(JSON.stringify(history)).not.toContain(first.token)
    const revealed = await t.client.call('tokens.reveal', { id: first.info.id })
    expect(revealed.token).toBe(first.token)
    const audit = (await t.client.call('audit.list', { action: 'tokens.reveal' })).entries
    expect(audit).toHaveLength(1)
    expect(JSON.stringify(audit)).not.toContain(first.token)
    clock.advance(HOUR)
    expect((await t.client.call('tokens.history', { userId: user.id, limit: 1 })).map((h) => h.status)).toEqual(['expired'])
  })

  it('rotation keeps old public keys in the JWKS until their tokens expire', async () => {
    const { creds, collection, clock } = await setup()
    const old = await t.client.call('tokens.generate', creds)
    clock.advance(10 * 60_000)
    const rotated = await t.client.call('tokens.rotateSigningKey', { collectionId: collection.id })
    expect(rotated.retired).toEqual([{ kid: old.info.kid, notAfter: old.info.expiresAt }])
    const fresh = await t.client.call('tokens.generate', creds)
    expect(fresh.info.kid).toBe(rotated.kid)
    expect(fresh.info.kid).not.toBe(old.info.kid)
    expect((await t.client.call('tokens.jwks', { collectionId: collection.id })).keys.map((k) => k.kid)).toEqual([rotated.kid, old.info.kid])
    expect((await t.client.call('tokens.verify', { token: old.token })).code).toBe('VALID')
    expect((await t.client.call('tokens.verify', { token: fresh.token })).code).toBe('VALID')
    clock.advance(50 * 60_000) // the old key's last token has expired
    expect((await t.client.call('tokens.jwks', { collectionId: collection.id })).keys.map((k) => k.kid)).toEqual([rotated.kid])
    expect((await t.client.call('tokens.verify', { token: old.token })).code).toBe('UNKNOWN_KEY')
    expect((await t.client.call('tokens.verify', { token: fresh.token })).code).toBe('VALID')
    // a key that signed nothing live leaves the JWKS at once
    const again = await t.client.call('tokens.rotateSigningKey', { collectionId: collection.id })
    expect(again.retired.map((r) => r.kid)).toEqual([rotated.kid])
    await expectRefusedUnchanged(t.core, () => t.client.invoke('tokens.jwks', { collectionId: '0190a000-0000-7000-8000-000000000000' }), 'COLLECTION_NOT_FOUND')
  })
})
