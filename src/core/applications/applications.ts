import { v7 as uuidv7 } from 'uuid'
import type { Application } from '../../shared/contract/catalog'
import { KeywardError } from '../../shared/errors'
import { APP_PREFIX_PATTERN, redactKeys } from '../../shared/key-format'
import { appendAudit } from '../audit/audit-log'
import { BUILTIN_APPLICATIONS, CATALOG } from '../catalog/catalog-data'
import { normalizePermissions } from '../catalog/catalog'
import type { Session } from '../session'
import { formatStamp } from '../store/hlc'
import { cleanName } from '../store/names'
import { insertStamps } from '../store/rows'
import { prepared } from '../store/statements'

export interface ApplicationRow {
  id: string
  name: string
  prefix: string
  default_permissions: string
  builtin: number
  created_at: string
  updated_at: string
}

const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  defaultPermissions: JSON.parse(r.default_permissions) as string[],
  builtin: r.builtin === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

/**
 * Puts the built-in kinds in place when the vault opens. INSERT OR IGNORE keeps an admin's
 * edits; the zero HLC stamp means any real edit (here or synced) wins over the seed.
 */
export function seedBuiltinApplications(s: Session): void {
  const insert = prepared(s.db, 
    `INSERT OR IGNORE INTO applications (id, name, prefix, default_permissions, builtin, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)`,
  )
  s.db.transaction(() => {
    for (const app of BUILTIN_APPLICATIONS) {
      insert.run(app.id, app.name, app.prefix, JSON.stringify(normalizePermissions(CATALOG.templates[app.id] ?? [])), new Date(0).toISOString(), formatStamp(0, 0, '0000000000000000'))
    }
  })()
}

export function requireApplication(s: Session, id: string): ApplicationRow {
  const row = prepared(s.db, 'SELECT * FROM applications WHERE id = ? AND deleted_at IS NULL').get(id) as ApplicationRow | undefined
  if (!row) throw new KeywardError('APPLICATION_NOT_FOUND', `There is no application kind "${redactKeys(id, 64)}".`)
  return row
}

function cleanPrefix(s: Session, raw: string, exceptId?: string): string {
  if (!APP_PREFIX_PATTERN.test(raw)) {
    throw new KeywardError('APPLICATION_PREFIX_INVALID', `The key prefix "${redactKeys(raw, 64)}" must be 2 to 8 lower-case letters a–z (like "wf", "mob", "erp").`)
  }
  const clash = prepared(s.db, 'SELECT name FROM applications WHERE prefix = ? AND deleted_at IS NULL AND id IS NOT ?').get(raw, exceptId ?? null) as { name: string } | undefined
  if (clash) throw new KeywardError('APPLICATION_PREFIX_TAKEN', `The key prefix "${raw}" already belongs to "${clash.name}".`)
  return raw
}

function assertNameFree(s: Session, name: string, exceptId?: string): void {
  if (prepared(s.db, 'SELECT id FROM applications WHERE name = ? COLLATE NOCASE AND deleted_at IS NULL AND id IS NOT ?').get(name, exceptId ?? null)) {
    throw new KeywardError('NAME_TAKEN', `An application kind named "${name}" already exists.`)
  }
}

const get = (s: Session, id: string) => toApplication(requireApplication(s, id))

export const applications = {
  list: (s: Session): Application[] =>
    (prepared(s.db, 'SELECT * FROM applications WHERE deleted_at IS NULL ORDER BY builtin DESC, name COLLATE NOCASE').all() as ApplicationRow[]).map(toApplication),

  get,

  create(s: Session, actor: string, input: { name: string; prefix: string; defaultPermissions: string[] }): Application {
    const name = cleanName(input.name, 'application')
    const permissions = normalizePermissions(input.defaultPermissions)
    return s.db.transaction(() => {
      assertNameFree(s, name)
      const prefix = cleanPrefix(s, input.prefix)
      const id = uuidv7()
      const { createdAt, updatedAt } = insertStamps(s)
      prepared(s.db, 'INSERT INTO applications (id, name, prefix, default_permissions, builtin, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)')
        .run(id, name, prefix, JSON.stringify(permissions), createdAt, updatedAt)
      appendAudit(s, { actor, action: 'applications.create', entity: 'application', entityId: id, details: { name, prefix, permissions: permissions.length } })
      return get(s, id)
    })()
  },

  update(s: Session, actor: string, input: { id: string; name?: string; prefix?: string; defaultPermissions?: string[] }): Application {
    const name = input.name === undefined ? undefined : cleanName(input.name, 'application')
    const permissions = input.defaultPermissions === undefined ? undefined : normalizePermissions(input.defaultPermissions)
    return s.db.transaction(() => {
      const row = requireApplication(s, input.id)
      if (name !== undefined) assertNameFree(s, name, row.id)
      const prefix = input.prefix === undefined ? row.prefix : cleanPrefix(s, input.prefix, row.id)
      const next = { name: name ?? row.name, prefix, default_permissions: permissions ? JSON.stringify(permissions) : row.default_permissions }
      const fields = (Object.keys(next) as (keyof typeof next)[]).filter((k) => next[k] !== row[k])
      if (fields.length === 0) return toApplication(row)
      prepared(s.db, 'UPDATE applications SET name = ?, prefix = ?, default_permissions = ?, updated_at = ? WHERE id = ?').run(next.name, next.prefix, next.default_permissions, s.hlc.now(), row.id)
      appendAudit(s, {
        actor,
        action: 'applications.update',
        entity: 'application',
        entityId: row.id,
        details: { fields: fields.map((f) => (f === 'default_permissions' ? 'defaultPermissions' : f)), ...(prefix !== row.prefix ? { prefixFrom: row.prefix, prefixTo: prefix } : {}) },
      })
      return get(s, row.id)
    })()
  },
}
