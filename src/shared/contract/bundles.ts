import { z } from 'zod'
import { Id } from '../model'
import { method, SecretInput } from './define'
import { Signer } from './installation'

/**
 * Integrator bundles (DESIGN §7). Inside the age-encrypted file is one JSON envelope:
 *   { format: "keyward-bundle", schemaVersion, manifest, signature, signer }
 * where `signature` is Ed25519 over the canonical JSON of `manifest`. Key secrets exist in
 * clear only inside this encrypted file, never in any answer of these methods.
 */
export const BUNDLE_SCHEMA_VERSION = 1

const Named = z.strictObject({ id: Id, name: z.string().max(64) })

export const BundleCollection = z.strictObject({ id: Id, name: z.string().max(64), server: Named, region: Named })

/** An API key as an integrator needs it, with its secret. */
export const BundleKey = z.strictObject({
  id: Id,
  name: z.string().max(200),
  description: z.string().max(1000),
  applicationKind: z.string().max(64),
  prefix: z.string().max(32),
  hint: z.string().max(64),
  environment: z.enum(['live', 'test']),
  audience: z.enum(['client', 'business']),
  status: z.enum(['active', 'inactive']),
  secret: z.string().max(128),
  permissions: z.array(z.string().max(128)).max(500),
  allowedIps: z.array(z.string().max(100)).max(256),
  publicUrl: z.string().max(2048).nullable(),
  expiresAt: z.string().nullable(),
})

/** A service user's login facts; never its password (an integrator sets or receives that apart). */
export const BundleServiceUser = z.strictObject({
  id: Id,
  username: z.string().max(200),
  clientId: z.string().max(200),
  keyId: Id,
  status: z.enum(['active', 'inactive']),
  authMethod: z.enum(['password', 'password_totp']),
  restPermissions: z.array(z.string().max(128)).max(500),
  soapPermissions: z.array(z.string().max(128)).max(500),
})

export const BundleToken = z.strictObject({
  id: Id,
  serviceUserId: Id,
  token: z.string().max(16 * 1024),
  kid: z.string().max(200),
  expiresAt: z.string(),
})

export const BundleEndpoint = z.strictObject({ kind: z.enum(['rest', 'soap', 'public']), url: z.string().max(2048), keyId: Id.nullable() })

/** Catalog entries referenced by the items, so the integrator sees what each id means. */
export const BundlePermission = z.strictObject({
  id: z.string().max(128),
  kind: z.enum(['rest', 'soap']),
  group: z.string().max(200),
  label: z.string().max(500),
})

export const BundleManifest = z.strictObject({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  /** Random per export; an import of the same id twice is a replay. */
  bundleId: z.uuid(),
  createdAt: z.iso.datetime(),
  createdBy: z.strictObject({ installationId: z.string().max(64), actor: z.string().max(200) }),
  signer: Signer,
  collection: BundleCollection,
  items: z.strictObject({
    keys: z.array(BundleKey).max(100_000),
    serviceUsers: z.array(BundleServiceUser).max(100_000),
    tokens: z.array(BundleToken).max(100_000),
    endpoints: z.array(BundleEndpoint).max(100_000),
    permissions: z.array(BundlePermission).max(100_000),
  }),
})
export type BundleManifest = z.infer<typeof BundleManifest>

const ItemCounts = z.object({
  keys: z.number().int(),
  serviceUsers: z.number().int(),
  tokens: z.number().int(),
  endpoints: z.number().int(),
  permissions: z.number().int(),
})

/** What inspect shows: everything but the secrets. */
export const BundleContents = z.object({
  bundleId: z.string(),
  schemaVersion: z.number().int(),
  createdAt: z.string(),
  createdBy: z.object({ installationId: z.string(), actor: z.string() }),
  signer: Signer,
  collection: BundleCollection,
  counts: ItemCounts,
  keys: z.array(BundleKey.omit({ secret: true })),
  serviceUsers: z.array(BundleServiceUser),
  tokens: z.array(BundleToken.omit({ token: true })),
  endpoints: z.array(BundleEndpoint),
  permissions: z.array(BundlePermission),
})

const ImportTally = z.object({ created: z.number().int(), updated: z.number().int(), skipped: z.number().int() })

/**
 * Why an item of a bundle was not written (see src/core/bundles/bundle-import.ts):
 * UNCHANGED — already here, identical; EXPIRED — its expiry passed before the import;
 * REVOKED_HERE / DELETED_HERE / REPLACED_HERE — this vault revoked, deleted or rotated it, and
 * an import never brings such a key or user back; KEY_NOT_HERE — the user's API key is neither
 * in the bundle nor usable here; TOKEN_NOT_VERIFIABLE — tokens are signed by the exporting
 * installation's collection key, which this vault cannot verify or revoke.
 */
export const ImportSkipReason = z.enum(['UNCHANGED', 'EXPIRED', 'REVOKED_HERE', 'DELETED_HERE', 'REPLACED_HERE', 'KEY_NOT_HERE', 'TOKEN_NOT_VERIFIABLE'])

/** age X25519 recipients are Bech32 `age1…`; the core checks each one. */
const Recipient = z.string().min(4).max(200)
/** The age file, standard base64 (armored or binary); 64 MiB at most. */
const BundleFile = z.string().max(Math.ceil((64 * 1024 * 1024) / 3) * 4)

const Decryption = {
  file: BundleFile,
  /** For a passphrase bundle. */
  passphrase: SecretInput.optional(),
  /** age identities (`AGE-SECRET-KEY-1…`) for a bundle encrypted to recipients. */
  identities: z.array(SecretInput).max(20).optional(),
  /** Refuse unless this key signed it (fingerprint, spaces optional). */
  expectSigner: z.string().max(200).optional(),
}

/** Which items of the collection go into the bundle; ids must belong to the collection. */
const Selection = z.union([z.literal('all'), z.array(Id).max(100_000)])
export const BundleSelection = z
  .strictObject({
    /** Keys with their secrets: 'all' current keys (not revoked, expired or replaced), or these. */
    keys: Selection.default([]),
    /** Service users (never passwords): 'all' live users of the collection, or these. */
    serviceUsers: Selection.default([]),
    /** The current (unrevoked, unexpired) tokens of the chosen service users. */
    tokens: z.boolean().default(false),
    /** REST/SOAP endpoints of the chosen users and public URLs of the chosen keys. */
    endpoints: z.boolean().default(true),
    /** The catalog entries the chosen keys and users hold. */
    permissions: z.boolean().default(true),
  })
  .prefault({})
export type BundleSelection = z.output<typeof BundleSelection>

export const bundleMethods = {
  'bundles.export': method(
    'Sign a collection bundle and encrypt it with age to X25519 recipients or to a passphrase (audited by fingerprint)',
    z
      .strictObject({
        collectionId: Id,
        recipients: z.array(Recipient).min(1).max(20).optional(),
        passphrase: SecretInput.optional(),
        /** ASCII armor (PEM-like text) instead of the binary age format. */
        armor: z.boolean().default(true),
        items: BundleSelection,
      })
      .refine((v) => (v.recipients === undefined) !== (v.passphrase === undefined), {
        message: 'Give either recipients or a passphrase, not both and not neither.',
      }),
    z.object({
      bundleId: z.string(),
      fileName: z.string(),
      armored: z.boolean(),
      /** The age file, standard base64. */
      file: z.string(),
      sizeBytes: z.number().int(),
      /** SHA-256 of the file bytes, hex: what the audit log records. */
      fingerprint: z.string(),
      signer: Signer,
      counts: ItemCounts,
    }),
  ),
  'bundles.inspect': method(
    'Decrypt a bundle and check its signature; show its contents (without secrets) and signer, import nothing',
    z.strictObject(Decryption),
    z.object({
      fingerprint: z.string(),
      contents: BundleContents,
      /** Null when the vault is locked and so cannot say. */
      alreadyImported: z.boolean().nullable(),
    }),
    'always',
  ),
  'bundles.import': method(
    'Verify a bundle (signature first) and import its collection, keys and service users into this vault, once, in one transaction',
    z.strictObject({
      ...Decryption,
      /**
       * Keys need a master licence bound to their collection. When the collection has none here,
       * bind a new licence of this client to it as part of the import (within its tier).
       */
      licenceClientId: Id.optional(),
    }),
    z.object({
      bundleId: z.string(),
      fingerprint: z.string(),
      signer: Signer,
      collectionId: Id,
      /** What the bundle carries. */
      counts: ItemCounts,
      created: z.object({ regions: z.number().int(), servers: z.number().int(), collections: z.number().int() }),
      /** What the import did with the items, per kind. */
      items: z.object({ keys: ImportTally, serviceUsers: ImportTally, tokens: ImportTally }),
      skipped: z.array(z.object({ kind: z.enum(['key', 'serviceUser', 'token']), id: Id, name: z.string(), reason: ImportSkipReason, message: z.string() })),
      /** The licence the imported keys sit on; `bound` when this import bound it (licenceClientId). */
      licence: z.object({ id: Id, clientId: Id, bound: z.boolean() }).nullable(),
      /** Imported service users and what an admin must do before they can get tokens. */
      followUp: z.array(z.object({ serviceUserId: Id, username: z.string(), actions: z.array(z.enum(['SET_PASSWORD', 'SET_UP_TOTP'])) })),
    }),
  ),
} as const
