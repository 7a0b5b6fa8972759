import { KeywardError } from '../../shared/errors'
import type { Session } from '../session'
import { seal, unseal } from '../store/seal'
import { prepared } from '../store/statements'
import type { Keychain } from '../vault/keychain'

export interface SyncSettings {
  serverUrl: string
  username: string
  deviceId: string
  deviceName: string
  salt: string
  configuredAt: string
}

interface SettingsRow {
  server_url: string
  username: string
  device_id: string
  device_name: string
  salt: string
  sync_key: Buffer
  token: Buffer | null
  configured_at: string
}

const KEY_CTX = { table: 'sync_settings', column: 'sync_key', rowId: '1' }
const TOKEN_CTX = { table: 'sync_settings', column: 'token', rowId: '1' }

/** The keychain entry of this installation's device token (one per vault installation). */
export const tokenAccount = (installationId: string) => `sync-device:${installationId}`

const row = (s: Session) => prepared(s.db, 'SELECT * FROM sync_settings WHERE id = 1').get() as SettingsRow | undefined

export function readSettings(s: Session): SyncSettings | undefined {
  const r = row(s)
  return r && { serverUrl: r.server_url, username: r.username, deviceId: r.device_id, deviceName: r.device_name, salt: r.salt, configuredAt: r.configured_at }
}

export function requireSettings(s: Session): SyncSettings {
  const settings = readSettings(s)
  if (!settings) throw new KeywardError('SYNC_NOT_CONFIGURED', 'Sync is not set up on this desktop; configure a server in the sync settings first.')
  return settings
}

/** The organisation sync key, opened from the store. */
export function syncKeyOf(s: Session): Buffer {
  const r = row(s)
  if (!r) throw new KeywardError('SYNC_NOT_CONFIGURED', 'Sync is not set up on this desktop; configure a server in the sync settings first.')
  return unseal(s.sealKey, r.sync_key, KEY_CTX)
}

export function saveSettings(s: Session, settings: SyncSettings, syncKey: Buffer, fallbackToken: string | null): void {
  prepared(
    s.db,
    `INSERT INTO sync_settings (id, server_url, username, device_id, device_name, salt, sync_key, token, configured_at)
     VALUES (1, @serverUrl, @username, @deviceId, @deviceName, @salt, @syncKey, @token, @configuredAt)`,
  ).run({ ...settings, syncKey: seal(s.sealKey, syncKey, KEY_CTX), token: fallbackToken === null ? null : seal(s.sealKey, fallbackToken, TOKEN_CTX) })
}

export function deleteSettings(s: Session): void {
  prepared(s.db, 'DELETE FROM sync_settings').run()
}

/**
 * The device token: in the OS keychain where there is one; where there is none (a headless
 * server without a Secret Service) sealed in the encrypted store instead, and `sync.status`
 * says which.
 */
export async function storeToken(s: Session, keychain: Keychain, token: string): Promise<'keychain' | 'vault'> {
  const probe = await keychain.probe()
  if (!probe.available) return 'vault'
  await keychain.set(tokenAccount(s.installationId), token)
  return 'keychain'
}

export async function loadToken(s: Session, keychain: Keychain): Promise<string> {
  const r = row(s)
  if (!r) throw new KeywardError('SYNC_NOT_CONFIGURED', 'Sync is not set up on this desktop; configure a server in the sync settings first.')
  if (r.token) return unseal(s.sealKey, r.token, TOKEN_CTX).toString('utf8')
  const token = await keychain.get(tokenAccount(s.installationId)).catch(() => null)
  if (!token) throw new KeywardError('SYNC_AUTH_FAILED', 'The device token of this desktop is missing from the OS keychain; disconnect and configure sync again.')
  return token
}

export async function forgetToken(s: Session, keychain: Keychain): Promise<void> {
  const probe = await keychain.probe()
  if (probe.available) await keychain.delete(tokenAccount(s.installationId)).catch(() => undefined)
}

export const tokenStorage = (s: Session): 'keychain' | 'vault' | null => {
  const r = row(s)
  return r ? (r.token ? 'vault' : 'keychain') : null
}
