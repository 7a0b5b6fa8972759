import { expect } from 'vitest'
import type { Keyward } from '../../src/core/app'

/**
 * Every row of every table, in rowid order, as one comparable value. Used to prove that a
 * refused call changed nothing at all (not even the audit log).
 */
export function storeSnapshot(core: Keyward): Record<string, unknown[]> {
  const db = core.session().db
  // virtual tables (FTS5) are skipped: their shadow tables, which hold their state, are not
  const tables = db
    .prepare(`SELECT name, sql LIKE '%WITHOUT ROWID%' AS no_rowid FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`)
    .all() as { name: string; no_rowid: number }[]
  const out: Record<string, unknown[]> = {}
  for (const { name: table, no_rowid } of tables) {
    out[table] = (db.prepare(`SELECT * FROM "${table}" ORDER BY ${no_rowid ? '1' : 'rowid'}`).all() as Record<string, unknown>[]).map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? `hex:${v.toString('hex')}` : v])),
    )
  }
  return out
}

/** Runs `call`, expects it to fail with `code`, and expects the store to be exactly as before. */
export async function expectRefusedUnchanged(
  core: Keyward,
  call: () => Promise<{ ok: boolean; error?: { code: string; message: string } }>,
  code: string,
): Promise<string> {
  const before = storeSnapshot(core)
  const result = await call()
  if (result.ok) throw new Error(`expected ${code}, but the call succeeded`)
  if (result.error!.code !== code) throw new Error(`expected ${code}, got ${result.error!.code}: ${result.error!.message}`)
  const after = storeSnapshot(core)
  expect(after).toEqual(before)
  return result.error!.message
}
