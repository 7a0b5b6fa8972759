import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK } from 'jose'
import { generateKey, keyDigest } from '../../src/core/keys/generate-key'
import { formatStamp } from '../../src/core/store/hlc'
import { sealForSync } from '../../src/core/sync/sync-key'
import type { SyncEntity, SyncOp, SyncValue } from '../../src/shared/sync'

/** Builds operations the way a desktop would: HLC stamps from one node, secrets sealed. */
export function opWriter(node: string = randomUUID(), startMs = Date.parse('2026-03-01T12:00:00.000Z')) {
  const orgKey = randomBytes(32)
  let wall = startMs
  let counter = 0
  const stamp = () => formatStamp(wall, counter++, node)
  const write = (entity: SyncEntity, entityId: string, collectionId: string, fields: Record<string, SyncValue>): SyncOp[] =>
    Object.entries(fields).map(([field, value]) => ({ opId: randomUUID(), entity, entityId, collectionId, field, value, hlc: stamp() }))
  return {
    node,
    orgKey,
    stamp,
    tick(ms = 1) {
      wall += ms
      counter = 0
    },
    write,
    client(collectionId: string, tier = 'gold') {
      const id = randomUUID()
      return { id, ops: write('clients', id, collectionId, { name: `client ${id.slice(0, 8)}`, tier, created_at: new Date(startMs).toISOString() }) }
    },
    licence(collectionId: string, clientId: string, status = 'active') {
      const id = randomUUID()
      return { id, ops: write('licences', id, collectionId, { client_id: clientId, collection_id: collectionId, status, created_at: new Date(startMs).toISOString() }) }
    },
    key(collectionId: string, licenceId: string, fields: Record<string, SyncValue> = {}) {
      const id = randomUUID()
      const plaintext = generateKey('erp_live')
      const ops = write('api_keys', id, collectionId, {
        licence_id: licenceId,
        application_id: (fields.application_id as string) ?? 'erp',
        name: 'ERP key',
        status: 'active',
        prefix: 'erp_live',
        hint: `erp_live_…${plaintext.slice(-4)}`,
        digest: keyDigest(plaintext).toString('hex'),
        secret: sealForSync(orgKey, Buffer.from(plaintext), 'api_keys', id, 'secret'),
        allowed_ips: [],
        permissions: ['rest.orders.read'],
        rate_limit_per_minute: null,
        expires_at: null,
        grace_until: null,
        created_at: new Date(startMs).toISOString(),
        ...fields,
      })
      return { id, plaintext, ops }
    },
  }
}

/** An Ed25519 signing key as the desktop keeps it: public JWK with its RFC 7638 thumbprint as kid. */
export async function signingKey() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const jwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(jwk)
  return { privateKey, kid, publicJwk: { ...jwk, kid, alg: 'EdDSA', use: 'sig' } }
}
