import { z } from 'zod'
import { Empty, method } from './define'

/** Who signed a report or a bundle: an Ed25519 public key and its SHA-256 fingerprint. */
export const Signer = z.object({
  algorithm: z.literal('Ed25519'),
  /** The raw 32-byte public key, standard base64. */
  publicKey: z.string(),
  /** SHA-256 of the raw public key, lower-case hex in groups of four. */
  fingerprint: z.string(),
})
export type Signer = z.infer<typeof Signer>

export const InstallationInfo = z.object({
  installationId: z.string(),
  signer: Signer,
  signingKeyCreatedAt: z.string(),
})
export type InstallationInfo = z.infer<typeof InstallationInfo>

export const installationMethods = {
  'installation.info': method(
    "This installation's id and the Ed25519 key that signs its audit reports and bundles (created on first use)",
    Empty,
    InstallationInfo,
  ),
} as const
