import { v7 as uuidv7 } from 'uuid'
import type { ServerStore } from '../store/server-store'
import { sealServerSecret } from '../secrets/server-key'
import { assertStrongPassword, hashPassword } from './passwords'
import { newTotpSecret, totpUri } from './totp'
import { KeywardError } from '../../shared/errors'

export const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/

export interface CreateAdminInput {
  username: string
  password: string
  withTotp: boolean
  /** Who did it, for the audit log ("cli" for the bootstrap). */
  actor: string
}

export interface CreatedAdmin {
  id: string
  username: string
  /** otpauth:// URI to import into an authenticator app; returned this once only. */
  totpUri?: string
}

export async function createAdmin(store: ServerStore, serverKey: Buffer, now: () => Date, input: CreateAdminInput): Promise<CreatedAdmin> {
  if (!USERNAME.test(input.username)) {
    throw new KeywardError('INVALID_INPUT', 'A username is 2–64 characters: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.')
  }
  assertStrongPassword(input.password)
  const id = uuidv7()
  const secret = input.withTotp ? newTotpSecret() : undefined
  await store.createAdmin(
    {
      id,
      username: input.username,
      passwordHash: await hashPassword(input.password),
      totpSecret: secret ? sealServerSecret(serverKey, secret, { table: 'admins', column: 'totp_secret', rowId: id }) : null,
      createdAt: now().toISOString(),
    },
    { actor: input.actor, action: 'admins.create', entity: 'admin', entityId: id, details: { username: input.username, totp: Boolean(secret) } },
  )
  return { id, username: input.username, ...(secret ? { totpUri: totpUri(secret, input.username) } : {}) }
}
