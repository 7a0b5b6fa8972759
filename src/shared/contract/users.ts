import { z } from 'zod'
import { Id } from '../model'
import { Done, method, SecretInput } from './define'

/** Seed 001, "Type: basis for record permissions": which back-end records the user may reach. */
export const UserType = z.enum(['all_records', 'own_records', 'contact_records', 'group_records'])
export type UserType = z.infer<typeof UserType>
export const USER_TYPE_LABELS: Record<UserType, string> = {
  all_records: 'All records',
  own_records: 'Own records',
  contact_records: "A contact's records",
  group_records: "The group's records",
}
/** Seed 001: "Contact — optional depending on the selected Type". */
export const TYPES_NEEDING_CONTACT: readonly UserType[] = ['contact_records']

/** Seed 001, "Permission profile": actions and data allowed beyond the REST/SOAP method lists. */
export const PermissionProfile = z.enum(['read_only', 'standard', 'administrator'])
export type PermissionProfile = z.infer<typeof PermissionProfile>

/** What a service user gets when nobody chose (users.create, and users imported from a bundle). */
export const DEFAULT_USER_TYPE: UserType = 'own_records'
export const DEFAULT_PERMISSION_PROFILE: PermissionProfile = 'standard'
export const PERMISSION_PROFILE_LABELS: Record<PermissionProfile, string> = {
  read_only: 'Read only',
  standard: 'Standard',
  administrator: 'Administrator',
}

/** What token generation enforces: the password, or the password and a TOTP code (2FA). */
export const AuthMethod = z.enum(['password', 'password_totp'])
export type AuthMethod = z.infer<typeof AuthMethod>
export const UserStatus = z.enum(['active', 'inactive'])
export type UserStatus = z.infer<typeof UserStatus>

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/
/** `kw_` + 20 base62 characters (≈ 119 random bits): public, but never guessed by accident. */
export const CLIENT_ID_PATTERN = /^kw_[0-9A-Za-z]{20}$/
export const GENERATED_PASSWORD_LENGTH = 28

export const ServiceUser = z.object({
  id: Id,
  regionId: Id,
  collectionId: Id,
  /** The API key the user belongs to ("Server", seed 001): the current key of its rotation chain. */
  keyId: Id,
  username: z.string(),
  clientId: z.string(),
  status: UserStatus,
  type: UserType,
  contact: z.string().nullable(),
  permissionProfile: PermissionProfile,
  /** Enforced at token generation. */
  authMethod: AuthMethod,
  /** A TOTP secret was handed out and waits for its first code (users.confirmTotp). */
  totpPending: z.boolean(),
  restPermissions: z.array(z.string()),
  restEndpoint: z.string().nullable(),
  soapPermissions: z.array(z.string()),
  soapEndpoint: z.string().nullable(),
  /**
   * When the password was last set; null while the user has none (a user imported from an
   * integrator bundle, which never carries passwords): tokens are refused until
   * users.resetPassword sets one.
   */
  passwordSetAt: z.string().nullable(),
  lastTokenAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type ServiceUser = z.infer<typeof ServiceUser>

/** Handed out once by users.setupTotp: everything an authenticator app needs. */
export const TotpProvisioning = z.object({
  /** `otpauth://totp/…` provisioning URI (contains the secret). */
  uri: z.string(),
  /** The same URI as a QR code, an SVG document. */
  qrSvg: z.string(),
  /** Base32 secret for typing in by hand. */
  secret: z.string(),
  issuer: z.string(),
  label: z.string(),
  digits: z.number().int(),
  periodSeconds: z.number().int(),
  algorithm: z.string(),
})
export type TotpProvisioning = z.infer<typeof TotpProvisioning>

const ById = z.strictObject({ id: Id })
const Permissions = z.array(z.string().max(128)).max(500)
/** Checked by the core (USERNAME_INVALID, ENDPOINT_INVALID, USER_CONTACT_INVALID) so the message says why. */
const Username = z.string().max(256)
const Endpoint = z.string().max(2048)
const Contact = z.string().max(256)
/** The password is returned once: generated → the value, admin-set → null (the admin typed it). */
const WithPassword = z.object({ user: ServiceUser, password: z.string().nullable() })

export const userMethods = {
  'users.list': method(
    'Live service users of a collection or of an API key, by username',
    z.union([z.strictObject({ collectionId: Id }), z.strictObject({ keyId: Id })]),
    z.array(ServiceUser),
  ),
  'users.get': method('One service user (never its password or TOTP secret)', ById, ServiceUser),
  'users.create': method(
    'Create a service user for an API key of the collection; without a password one is generated, and it is returned this once',
    z.strictObject({
      collectionId: Id,
      keyId: Id,
      username: Username,
      password: SecretInput.optional(),
      status: UserStatus.default('active'),
      type: UserType.default(DEFAULT_USER_TYPE),
      contact: Contact.optional(),
      permissionProfile: PermissionProfile.default(DEFAULT_PERMISSION_PROFILE),
      restPermissions: Permissions.default([]),
      restEndpoint: Endpoint.optional(),
      soapPermissions: Permissions.default([]),
      soapEndpoint: Endpoint.optional(),
      /** password_totp also starts TOTP setup; it is enforced once users.confirmTotp saw a first code. */
      authMethod: AuthMethod.default('password'),
    }),
    WithPassword.extend({ totp: TotpProvisioning.nullable() }),
  ),
  'users.update': method(
    'Change a service user (not its password, status, client ID or 2FA)',
    z.strictObject({
      id: Id,
      username: Username.optional(),
      keyId: Id.optional(),
      type: UserType.optional(),
      contact: Contact.nullable().optional(),
      permissionProfile: PermissionProfile.optional(),
      restPermissions: Permissions.optional(),
      restEndpoint: Endpoint.nullable().optional(),
      soapPermissions: Permissions.optional(),
      soapEndpoint: Endpoint.nullable().optional(),
    }),
    ServiceUser,
  ),
  'users.setStatus': method('Activate or deactivate a service user', z.strictObject({ id: Id, status: UserStatus }), ServiceUser),
  'users.delete': method('Delete (tombstone) a service user; its tokens are revoked', ById, Done),
  'users.resetPassword': method(
    'Replace the password (generated when none is given); returned this once',
    z.strictObject({ id: Id, password: SecretInput.optional() }),
    WithPassword,
  ),
  'users.setupTotp': method(
    'Start TOTP 2FA: a new secret as provisioning URI and QR code, shown this once; enforced after users.confirmTotp',
    ById,
    z.object({ user: ServiceUser, totp: TotpProvisioning }),
  ),
  'users.confirmTotp': method('Confirm TOTP setup with a first code from the authenticator; from now on tokens need a code', z.strictObject({ id: Id, code: z.string().max(16) }), ServiceUser),
  'users.disableTotp': method('Turn TOTP 2FA off (or abandon a pending setup); tokens need the password only', ById, ServiceUser),
} as const
