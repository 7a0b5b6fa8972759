import { createHash, randomUUID } from 'node:crypto'
import { z } from 'zod'
import { BUNDLE_SCHEMA_VERSION, BundleManifest, type BundleContents, type BundleSelection } from '../../shared/contract/bundles'
import { Signer } from '../../shared/contract/installation'
import { KeywardError } from '../../shared/errors'
import { passphraseStrength } from '../../shared/passphrase'
import { appendAudit } from '../audit/audit-log'
import type { Session } from '../session'
import { installationSigningKey } from '../signing/installation-key'
import { canonicalBytes, canonicalPrettyJson, sameFingerprint, signerPublicKey, strictBase64, verifyBytes } from '../signing/signature'
import { collections, regions, servers } from '../topology/topology'
import { decryptAge, encryptAge, type AgeDecryption } from './age-file'
import { importItems } from './bundle-import'
import { selectItems } from './bundle-items'

/**
 * Integrator bundles: a signed manifest of one collection, encrypted with age. Export signs
 * then encrypts; inspect and import decrypt, check the signature before looking at anything
 * in the manifest, and only then read it. Every export and import is audited by the SHA-256
 * of the file, never by its content.
 */
export const BUNDLE_FORMAT = 'keyward-bundle'

export interface ExportRequest {
  collectionId: string
  items: BundleSelection
  recipients?: string[]
  passphrase?: string
  armor: boolean
}

export interface BundleOptions {
  /** scrypt log2(N) for passphrase bundles (age's default 18; tests lower it). */
  scryptWorkFactor?: number
}

type Counts = { keys: number; serviceUsers: number; tokens: number; endpoints: number; permissions: number }

const countItems = (m: BundleManifest): Counts => ({
  keys: m.items.keys.length,
  serviceUsers: m.items.serviceUsers.length,
  tokens: m.items.tokens.length,
  endpoints: m.items.endpoints.length,
  permissions: m.items.permissions.length,
})

export const fileFingerprint = (file: Uint8Array) => createHash('sha256').update(file).digest('hex')

/** Builds the manifest of a collection: its place in the topology and the chosen items. */
function buildManifest(s: Session, actor: string, collectionId: string, items: BundleManifest['items'], signer: Signer): BundleManifest {
  const collection = collections.get(s, collectionId)
  const server = servers.get(s, collection.serverId)
  const region = regions.get(s, collection.regionId)
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    bundleId: randomUUID(),
    createdAt: s.now().toISOString(),
    createdBy: { installationId: s.installationId, actor },
    signer,
    collection: { id: collection.id, name: collection.name, server: { id: server.id, name: server.name }, region: { id: region.id, name: region.name } },
    items,
  }
}

export async function exportBundle(s: Session, actor: string, request: ExportRequest, options: BundleOptions = {}) {
  if (request.passphrase !== undefined) {
    const strength = passphraseStrength(request.passphrase)
    if (!strength.acceptable) throw new KeywardError('BUNDLE_WEAK_PASSPHRASE', `That bundle passphrase is too weak to resist guessing offline. ${strength.feedback}`)
  }
  // Every refusal (unknown collection, a revoked or foreign item) comes before anything is
  // created, the installation key included.
  collections.get(s, request.collectionId)
  const items = selectItems(s, request.collectionId, request.items)
  const key = installationSigningKey(s, actor)
  const manifest = buildManifest(s, actor, request.collectionId, items, key.signer)
  const envelope = { format: BUNDLE_FORMAT, schemaVersion: BUNDLE_SCHEMA_VERSION, manifest, signature: key.sign(canonicalBytes(manifest)), signer: key.signer }
  const file = await encryptAge(new TextEncoder().encode(canonicalPrettyJson(envelope)), {
    recipients: request.recipients,
    passphrase: request.passphrase,
    armor: request.armor,
    scryptWorkFactor: options.scryptWorkFactor,
  })
  const fingerprint = fileFingerprint(file)
  const counts = countItems(manifest)
  appendAudit(s, {
    actor,
    action: 'bundles.export',
    entity: 'collection',
    entityId: request.collectionId,
    details: {
      bundleId: manifest.bundleId,
      fingerprint,
      signer: key.signer.fingerprint,
      encryption: request.passphrase !== undefined ? 'passphrase' : 'x25519',
      // age recipients are public keys: they say who can open the bundle.
      recipients: request.recipients ?? [],
      armored: request.armor,
      counts,
      // ids only: which keys, users and tokens left the vault (their secrets never enter the log)
      keyIds: manifest.items.keys.map((k) => k.id),
      serviceUserIds: manifest.items.serviceUsers.map((u) => u.id),
      tokenIds: manifest.items.tokens.map((t) => t.id),
    },
  })
  const safeName = manifest.collection.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) || 'collection'
  return {
    bundleId: manifest.bundleId,
    fileName: `${safeName}-${manifest.bundleId.slice(0, 8)}.keyward-bundle${request.armor ? '.age.asc' : '.age'}`,
    armored: request.armor,
    file: Buffer.from(file).toString('base64'),
    sizeBytes: file.length,
    fingerprint,
    signer: key.signer,
    counts,
  }
}

/** The parts of the envelope that must be understood before the signature can be checked. */
const Envelope = z.object({
  format: z.literal(BUNDLE_FORMAT),
  schemaVersion: z.number().int(),
  manifest: z.record(z.string(), z.unknown()),
  signature: z.string(),
  signer: Signer,
})

export interface OpenRequest extends AgeDecryption {
  file: string
  expectSigner?: string
}

export interface OpenedBundle {
  fingerprint: string
  manifest: BundleManifest
}

/** Decrypt → signature → schema. Nothing of the manifest is used before the signature holds. */
export async function openBundle(request: OpenRequest): Promise<OpenedBundle> {
  const file = strictBase64(request.file)
  if (!file) throw new KeywardError('BUNDLE_MALFORMED', 'The bundle file must be given as standard base64.')
  if (file.length === 0) throw new KeywardError('BUNDLE_TRUNCATED', 'The bundle file is empty.')
  const fingerprint = fileFingerprint(file)
  const { plaintext } = await decryptAge(file, request)
  let text: string
  let parsed: unknown
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
    parsed = JSON.parse(text)
  } catch {
    throw new KeywardError('BUNDLE_MALFORMED', 'The bundle decrypts, but what is inside is not a Keyward bundle (not JSON).')
  }
  const envelope = Envelope.safeParse(parsed)
  if (!envelope.success) throw new KeywardError('BUNDLE_MALFORMED', 'The bundle decrypts, but what is inside is not a signed Keyward bundle.')
  const { signer, signature, manifest: rawManifest } = envelope.data
  if (!signerPublicKey(signer) || !verifyBytes(signer.publicKey, canonicalBytes(rawManifest), signature)) {
    throw new KeywardError('BUNDLE_BAD_SIGNATURE', 'The signature of this bundle does not match its manifest: it was changed after signing or forged. Nothing was imported.')
  }
  if (request.expectSigner !== undefined && !sameFingerprint(signer.fingerprint, request.expectSigner)) {
    throw new KeywardError('BUNDLE_WRONG_SIGNER', `The bundle is signed correctly, but by the key ${signer.fingerprint}, not by the expected one.`)
  }
  if (envelope.data.schemaVersion !== BUNDLE_SCHEMA_VERSION || rawManifest.schemaVersion !== BUNDLE_SCHEMA_VERSION) {
    throw new KeywardError('BUNDLE_SCHEMA_UNSUPPORTED', `This bundle uses schema version ${String(rawManifest.schemaVersion ?? envelope.data.schemaVersion)}; this Keyward reads version ${BUNDLE_SCHEMA_VERSION}. Update Keyward to import it.`)
  }
  const manifest = BundleManifest.safeParse(rawManifest)
  if (!manifest.success) throw new KeywardError('BUNDLE_MALFORMED', 'The signed manifest does not follow schema version 1.')
  if (canonicalPrettyJson(manifest.data.signer) !== canonicalPrettyJson(signer)) {
    throw new KeywardError('BUNDLE_BAD_SIGNATURE', 'The manifest names a different signer than the signature.')
  }
  return { fingerprint, manifest: manifest.data }
}

/** Everything but secrets, for people to look at before importing. */
export function bundleContents(m: BundleManifest): z.infer<typeof BundleContents> {
  return {
    bundleId: m.bundleId,
    schemaVersion: m.schemaVersion,
    createdAt: m.createdAt,
    createdBy: m.createdBy,
    signer: m.signer,
    collection: m.collection,
    counts: countItems(m),
    keys: m.items.keys.map(({ secret: _secret, ...rest }) => rest),
    serviceUsers: m.items.serviceUsers,
    tokens: m.items.tokens.map(({ token: _token, ...rest }) => rest),
    endpoints: m.items.endpoints,
    permissions: m.items.permissions,
  }
}

export function isImported(s: Session, bundleId: string): boolean {
  return s.db.prepare('SELECT 1 FROM imported_bundles WHERE bundle_id = ?').get(bundleId) !== undefined
}

export interface ImportRequest extends OpenRequest {
  licenceClientId?: string
}

/** Every refusal of an import says that nothing changed (the one transaction rolled back). */
function nothingImported(error: unknown): unknown {
  if (!(error instanceof KeywardError) || /Nothing was (imported|changed)/.test(error.message)) return error
  return new KeywardError(error.code, `${error.message} Nothing was imported.`)
}

/**
 * Verify (bundles.openBundle), then in one transaction: the replay check, the topology
 * (adopted by id), the items (bundle-import.ts decides and documents the rules), the replay
 * record and one audit entry with the fingerprint and what was done. Any refusal leaves the
 * vault as it was.
 */
export async function importBundle(s: Session, actor: string, request: ImportRequest) {
  const { fingerprint, manifest } = await openBundle(request)
  const counts = countItems(manifest)
  const via = { via: 'bundle' as const, bundleId: manifest.bundleId }
  let result
  try {
    result = s.db.transaction(() => {
      if (isImported(s, manifest.bundleId)) {
        throw new KeywardError('BUNDLE_REPLAYED', `Bundle ${manifest.bundleId} was already imported into this vault; a bundle is imported once. Nothing was changed.`)
      }
      const c = manifest.collection
      const created = {
        regions: Number(regions.adopt(s, actor, c.region, via)),
        servers: Number(servers.adopt(s, actor, { ...c.server, parentId: c.region.id }, via)),
        collections: Number(collections.adopt(s, actor, { id: c.id, name: c.name, parentId: c.server.id }, via)),
      }
      const { touchedKeyIds, ...report } = importItems(s, actor, manifest, { licenceClientId: request.licenceClientId, via })
      s.db
        .prepare('INSERT INTO imported_bundles (bundle_id, fingerprint, signer_fingerprint, collection_id, imported_at, actor) VALUES (?, ?, ?, ?, ?, ?)')
        .run(manifest.bundleId, fingerprint, manifest.signer.fingerprint, c.id, s.now().toISOString(), actor)
      const skippedReasons: Record<string, number> = {}
      for (const x of report.skipped) skippedReasons[`${x.kind}:${x.reason}`] = (skippedReasons[`${x.kind}:${x.reason}`] ?? 0) + 1
      appendAudit(s, {
        actor,
        action: 'bundles.import',
        entity: 'collection',
        entityId: c.id,
        details: {
          bundleId: manifest.bundleId,
          fingerprint,
          signer: manifest.signer.fingerprint,
          counts,
          created,
          items: report.items,
          skippedReasons,
          licence: report.licence,
          passwordsToSet: report.followUp.filter((f) => f.actions.includes('SET_PASSWORD')).length,
        },
      })
      return { touchedKeyIds, value: { bundleId: manifest.bundleId, fingerprint, signer: manifest.signer, collectionId: c.id, counts, created, ...report } }
    })()
  } catch (error) {
    throw nothingImported(error)
  }
  // after the commit, like every key change: the verification index re-reads what changed
  if (result.value.licence?.bound) s.keyIndex.refreshLicences([result.value.licence.id])
  s.keyIndex.refreshKeys(result.touchedKeyIds)
  return result.value
}
