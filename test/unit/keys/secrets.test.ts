import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { Logger } from '../../../src/core/logger'
import { openCore, type TestCore } from '../../helpers/core'
import { makeLicensedCollection } from '../../helpers/keys'
import { storeSnapshot } from '../../helpers/store'

let t: TestCore
afterEach(async () => t?.close())

/** A real pino logger at the most verbose level, writing into memory. */
function capturingLogger(): { logger: Logger; text: () => string } {
  const chunks: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { logger: pino({ level: 'trace' }, sink), text: () => chunks.join('') }
}

/** Every representation of a secret someone might find in a file or a log. */
function forms(secret: string): string[] {
  const random = secret.slice(secret.lastIndexOf('_') + 1, -6)
  return [secret, random, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex'), Buffer.from(random).toString('base64')]
}

function filesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

describe('key secrets never leak', () => {
  it('finds no plaintext in the database file, the WAL, other vault files, logs, errors, audit or rows', async () => {
    const log = capturingLogger()
    t = await openCore({ logger: log.logger })
    const { collection } = await makeLicensedCollection(t.client)
    const secrets: string[] = []
    const created = await t.client.call('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: 'erp' })
    secrets.push(created.secret)
    const rotated = await t.client.call('keys.rotate', { id: created.key.id })
    secrets.push(rotated.secret)
    await t.client.call('keys.reveal', { id: rotated.key.id })
    await t.client.call('keys.copy', { id: rotated.key.id })
    await t.client.call('keys.verify', { key: rotated.secret, method: 'rest.records.read' })
    await t.client.call('keys.verify', { key: rotated.secret, method: 'rest.users.create' })

    // refusals and failures whose input carries a secret
    const errors: string[] = []
    for (const bad of [
      await t.client.invoke('keys.verify', { key: rotated.secret, ip: 'x'.repeat(200) }),
      await t.client.invoke('keys.verify', { key: rotated.secret, extra: true } as never),
      await t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'erp', name: rotated.secret }),
      await t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'w', allowedIps: [rotated.secret] }),
      await t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'w', permissions: [rotated.secret] }),
      await t.client.invoke('keys.create', { collectionId: collection.id, applicationKind: 'workflow', name: 'w', publicUrl: rotated.secret }),
    ]) {
      expect(bad.ok).toBe(false)
      if (!bad.ok) errors.push(bad.error.message)
    }
    const logText = () => log.text()

    const rows = JSON.stringify(storeSnapshot(t.core))
    const audit = JSON.stringify(await t.client.call('audit.list', { limit: 500 }))
    const lists = JSON.stringify(await t.client.call('keys.list', {}))
    const dir = t.dir
    // scan while open (WAL present), then after close (checkpointed)
    const scan = () => filesOf(dir).map((f) => ({ f, bytes: readFileSync(f) }))
    const open = scan()
    expect(open.some((x) => x.f.endsWith('keyward.db-wal'))).toBe(true)
    await t.close(true)
    const closed = scan()
    for (const secret of secrets) {
      for (const form of forms(secret)) {
        for (const { f, bytes } of [...open, ...closed]) expect(bytes.includes(Buffer.from(form)), `${form.slice(0, 12)}… in ${f}`).toBe(false)
        expect(logText()).not.toContain(form)
        expect(audit).not.toContain(form)
        expect(rows).not.toContain(form)
        expect(lists).not.toContain(form)
      }
    }
    // no error message echoes a secret, even one pasted into the wrong field
    expect(errors).toHaveLength(6)
    for (const message of errors) for (const form of forms(rotated.secret)) expect(message).not.toContain(form)
    expect(errors[3]).toContain('[api key]')
    expect(logText()).toContain('"method":"keys.verify"')
    expect(existsSync(join(dir, 'keyward.db'))).toBe(true)
  })
})
