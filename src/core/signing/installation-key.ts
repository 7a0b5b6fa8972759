import { v7 as uuidv7 } from 'uuid'
import type { InstallationInfo } from '../../shared/contract/installation'
import { appendAudit } from '../audit/audit-log'
import type { Session } from '../session'
import { seal, unseal } from '../store/seal'
import { generateSigningKeyPair, signerOf, signingKeyFromDer, type SigningKey } from './signature'

/**
 * The installation's Ed25519 key: created once per vault on first use, private half sealed
 * in its row. Nothing outside this module ever sees the private key bytes.
 */
interface Row {
  id: string
  public_key: Buffer
  private_key: Buffer
  created_at: string
}

const sealContext = (id: string) => ({ table: 'installation_keys', column: 'private_key', rowId: id })

function ensureRow(s: Session, actor: string): Row {
  const existing = s.db.prepare(`SELECT * FROM installation_keys WHERE purpose = 'signing'`).get() as Row | undefined
  if (existing) return existing
  return s.db.transaction(() => {
    const again = s.db.prepare(`SELECT * FROM installation_keys WHERE purpose = 'signing'`).get() as Row | undefined
    if (again) return again
    const id = uuidv7()
    const { publicKeyRaw, privateKeyDer } = generateSigningKeyPair()
    const sealed = seal(s.sealKey, privateKeyDer, sealContext(id))
    privateKeyDer.fill(0)
    const createdAt = s.now().toISOString()
    s.db
      .prepare(`INSERT INTO installation_keys (id, purpose, algorithm, public_key, private_key, created_at) VALUES (?, 'signing', 'Ed25519', ?, ?, ?)`)
      .run(id, publicKeyRaw, sealed, createdAt)
    appendAudit(s, { actor, action: 'installation.signingKeyCreated', entity: 'installation', entityId: id, details: { fingerprint: signerOf(publicKeyRaw).fingerprint } })
    return s.db.prepare(`SELECT * FROM installation_keys WHERE id = ?`).get(id) as Row
  })()
}

export function installationInfo(s: Session, actor: string): InstallationInfo {
  const row = ensureRow(s, actor)
  return { installationId: s.installationId, signer: signerOf(row.public_key), signingKeyCreatedAt: row.created_at }
}

/** The signing key for one operation; callers drop it when done. */
export function installationSigningKey(s: Session, actor: string): SigningKey {
  const row = ensureRow(s, actor)
  const der = unseal(s.sealKey, row.private_key, sealContext(row.id))
  try {
    return signingKeyFromDer(der)
  } finally {
    der.fill(0)
  }
}
