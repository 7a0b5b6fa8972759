import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendAudit, verifyAuditChain } from '../../src/core/audit/audit-log'
import type { Db } from '../../src/core/store/database'
import { openCore, type TestCore } from '../helpers/core'

// Tampering needs the triggers out of the way, as an attacker with the database key would do.
let t: TestCore
let db: Db
const N = 40

beforeAll(async () => {
  t = await openCore()
  const session = t.core.session()
  db = session.db
  db.transaction(() => {
    for (let i = 0; i < N - 1; i++) appendAudit(session, { actor: `admin-${i % 3}`, action: 'test.event', entity: 'thing', entityId: `id-${i}`, details: { i, nested: { b: i * 2, a: [i] } } })
  })()
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete')
})
afterAll(async () => t.close())

/** Runs a tampering inside a savepoint that is always rolled back, and reports what verify said. */
function afterTampering(tamper: () => void) {
  db.exec('SAVEPOINT tamper')
  try {
    tamper()
    return verifyAuditChain({ db })
  } finally {
    db.exec('ROLLBACK TO tamper; RELEASE tamper')
  }
}

describe('audit chain tamper detection', () => {
  it('verifies the untouched chain', () => {
    expect(verifyAuditChain({ db })).toMatchObject({ ok: true, entries: N })
  })

  it('detects every edit of any field of any entry, naming that entry', () => {
    const fields = ['at', 'actor', 'action', 'entity', 'entity_id', 'details'] as const
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.constantFrom(...fields), fc.string({ minLength: 1, maxLength: 8 }), (seq, field, junk) => {
        const current = (db.prepare(`SELECT ${field} AS v FROM audit_log WHERE seq = ?`).get(seq) as { v: string | null }).v
        const next = field === 'details' ? JSON.stringify({ forged: junk }) : `${current ?? ''}${junk}`
        const status = afterTampering(() => db.prepare(`UPDATE audit_log SET ${field} = ? WHERE seq = ?`).run(next, seq))
        expect(status).toMatchObject({ ok: false, firstBrokenSeq: seq })
      }),
      { numRuns: 300 },
    )
  })

  it('detects every deletion, and a rewritten tail still breaks at the first rewritten link', () => {
    for (let seq = 1; seq <= N; seq++) {
      const status = afterTampering(() => db.prepare('DELETE FROM audit_log WHERE seq = ?').run(seq))
      if (seq === N) {
        // dropping the newest entry leaves a valid shorter chain: the signed checkpoints sent on
        // sync are what catch a truncated tail (DESIGN §5); the count shows it locally.
        expect(status).toMatchObject({ ok: true, entries: N - 1 })
      } else {
        expect(status).toMatchObject({ ok: false, firstBrokenSeq: seq })
      }
    }
  })

  it('detects every reordering of two entries', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: N }), fc.integer({ min: 1, max: N }), (a, b) => {
        fc.pre(a !== b)
        const status = afterTampering(() => {
          db.prepare('UPDATE audit_log SET seq = -1 WHERE seq = ?').run(a)
          db.prepare('UPDATE audit_log SET seq = ? WHERE seq = ?').run(a, b)
          db.prepare('UPDATE audit_log SET seq = ? WHERE seq = -1').run(b)
        })
        expect(status).toMatchObject({ ok: false, firstBrokenSeq: Math.min(a, b) })
      }),
      { numRuns: 200 },
    )
  })

  it('detects an inserted entry', () => {
    const status = afterTampering(() => {
      db.prepare('UPDATE audit_log SET seq = seq + 1000 WHERE seq > 10').run()
      db.prepare('UPDATE audit_log SET seq = seq - 999 WHERE seq > 1000').run()
      const prev = db.prepare('SELECT hash FROM audit_log WHERE seq = 10').get() as { hash: string }
      db.prepare(`INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, details, prev_hash, hash) VALUES (11, '2026-01-01T00:00:00.000Z', 'x', 'forged', 'thing', NULL, '{}', ?, ?)`).run(prev.hash, 'f'.repeat(64))
    })
    expect(status).toMatchObject({ ok: false, firstBrokenSeq: 11 })
  })
})
