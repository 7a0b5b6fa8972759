import { KeywardError } from '../../shared/errors'
import type { SyncValue } from '../../shared/sync'
import { seal, unseal } from '../store/seal'
import { openFromSync, opNonce, sealForSync } from './sync-key'
import type { FieldMap, TableMap } from './tables'

/** The keys a codec needs: the vault's data key (secrets at rest) and the organisation sync key (secrets on the wire). */
export interface CodecKeys {
  sealKey: Buffer
  syncKey: Buffer
}

type Column = string | number | bigint | Buffer | null

/** A local column value as it travels under operation `opId`: secrets opened locally and sealed under the sync key. */
export function toWire(keys: CodecKeys, t: TableMap, f: FieldMap, id: string, value: Column, opId: string): SyncValue {
  if (value === null || value === undefined) return null
  switch (f.codec) {
    case 'plain':
      return typeof value === 'bigint' ? Number(value) : Buffer.isBuffer(value) ? value.toString('hex') : value
    case 'json-array':
      return JSON.parse(String(value)) as string[]
    case 'hex':
      return (value as Buffer).toString('hex')
    case 'sealed-blob':
      return sealForSync(keys.syncKey, unseal(keys.sealKey, value as Buffer, { table: t.table, column: f.column, rowId: id }), t.entity, id, f.field, opNonce(keys.syncKey, opId))
    case 'sealed-text':
      return sealForSync(keys.syncKey, Buffer.from(String(value)), t.entity, id, f.field, opNonce(keys.syncKey, opId))
  }
}

/** A wire value as the local column holds it: secrets opened with the sync key and sealed at rest. */
export function fromWire(keys: CodecKeys, t: TableMap, f: FieldMap, id: string, value: SyncValue): Column {
  if (value === null) return null
  switch (f.codec) {
    case 'plain':
      if (Array.isArray(value)) throw new KeywardError('INVALID_INPUT', `${t.entity}.${f.field} arrived as a list.`)
      return typeof value === 'boolean' ? (value ? 1 : 0) : value
    case 'json-array':
      if (!Array.isArray(value)) throw new KeywardError('INVALID_INPUT', `${t.entity}.${f.field} arrived as something other than a list.`)
      return JSON.stringify(value)
    case 'hex':
      if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) throw new KeywardError('INVALID_INPUT', `${t.entity}.${f.field} is not a digest.`)
      return Buffer.from(value, 'hex')
    case 'sealed-blob':
      return seal(keys.sealKey, openFromSync(keys.syncKey, String(value), t.entity, id, f.field), { table: t.table, column: f.column, rowId: id })
    case 'sealed-text':
      return openFromSync(keys.syncKey, String(value), t.entity, id, f.field).toString('utf8')
  }
}

/** A value fit for the merge rule's absorbing ranks and labels (never opens a secret). */
export function plainForMerge(f: FieldMap, value: Column): SyncValue {
  if (value === null || value === undefined) return null
  if (f.codec === 'plain') return typeof value === 'bigint' ? Number(value) : Buffer.isBuffer(value) ? value.toString('hex') : value
  return '(secret)'
}
