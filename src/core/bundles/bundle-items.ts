import type { BundleManifest, BundleSelection } from '../../shared/contract/bundles'
import { KeywardError } from '../../shared/errors'
import { getCatalog } from '../catalog/catalog'
import { keyDigest } from '../keys/generate-key'
import { effectiveStatus, type KeyRow } from '../keys/key-view'
import { sealContext as keySealContext } from '../keys/keys'
import type { Session } from '../session'
import { unseal } from '../store/seal'
import { valueContext as tokenSealContext } from '../tokens/tokens'

type Items = BundleManifest['items']

interface UserRow {
  id: string
  key_id: string
  username: string
  client_id: string
  status: 'active' | 'inactive'
  auth_method: 'password' | 'password_totp'
  rest_permissions: string
  rest_endpoint: string | null
  soap_permissions: string
  soap_endpoint: string | null
}

const json = (text: string) => JSON.parse(text) as string[]

/**
 * The items of one collection chosen for a bundle. Secrets (key plaintext, token values) are
 * unsealed only here, straight into the manifest that is signed and encrypted; passwords and
 * TOTP secrets are never read. A chosen id that is not a live item of the collection is
 * refused with its own code, so nothing is exported by mistake.
 */
export function selectItems(s: Session, collectionId: string, selection: BundleSelection): Items {
  const now = s.now()
  const keyRows = s.db.prepare('SELECT * FROM api_keys WHERE collection_id = ? AND deleted_at IS NULL ORDER BY created_at, id').all(collectionId) as KeyRow[]
  const exportable = (k: KeyRow) => {
    const status = effectiveStatus(k, now)
    return (status === 'active' || status === 'inactive') && k.successor_id === null
  }
  let chosenKeys: KeyRow[]
  if (selection.keys === 'all') chosenKeys = keyRows.filter(exportable)
  else {
    const byId = new Map(keyRows.map((k) => [k.id, k]))
    chosenKeys = [...new Set(selection.keys)].map((id) => {
      const k = byId.get(id)
      if (!k) throw new KeywardError('KEY_NOT_FOUND', `There is no live key ${id} in this collection; nothing was exported.`)
      if (k.status === 'revoked') throw new KeywardError('KEY_REVOKED', `Key "${k.name}" is revoked and cannot be handed over; nothing was exported.`)
      if (!exportable(k)) throw new KeywardError('KEY_ROTATED', `Key "${k.name}" is expired or replaced by a rotation; export its successor. Nothing was exported.`)
      return k
    })
  }
  const keys: Items['keys'] = chosenKeys.map((k) => {
    const secret = unseal(s.sealKey, k.secret, keySealContext(k.id)).toString('utf8')
    if (!keyDigest(secret).equals(k.digest)) throw new KeywardError('VAULT_CORRUPT', `The stored secret of key "${k.name}" does not match its digest.`)
    const status = effectiveStatus(k, now)
    return {
      id: k.id,
      name: k.name,
      description: k.description,
      applicationKind: k.application_id,
      prefix: k.prefix,
      hint: k.hint,
      environment: k.environment,
      audience: k.audience,
      status: status === 'active' ? 'active' : 'inactive',
      secret,
      permissions: json(k.permissions),
      allowedIps: json(k.allowed_ips),
      publicUrl: k.public_url,
      expiresAt: k.expires_at,
    }
  })

  const userRows = s.db
    .prepare(
      `SELECT id, key_id, username, client_id, status, auth_method, rest_permissions, rest_endpoint, soap_permissions, soap_endpoint
       FROM service_users WHERE collection_id = ? AND deleted_at IS NULL ORDER BY username_lc, id`,
    )
    .all(collectionId) as UserRow[]
  let chosenUsers: UserRow[]
  if (selection.serviceUsers === 'all') chosenUsers = userRows
  else {
    const byId = new Map(userRows.map((u) => [u.id, u]))
    chosenUsers = [...new Set(selection.serviceUsers)].map((id) => {
      const u = byId.get(id)
      if (!u) throw new KeywardError('USER_NOT_FOUND', `There is no live service user ${id} in this collection; nothing was exported.`)
      return u
    })
  }
  const serviceUsers: Items['serviceUsers'] = chosenUsers.map((u) => ({
    id: u.id,
    username: u.username,
    clientId: u.client_id,
    keyId: u.key_id,
    status: u.status,
    authMethod: u.auth_method,
    restPermissions: json(u.rest_permissions),
    soapPermissions: json(u.soap_permissions),
  }))

  const tokens: Items['tokens'] = []
  if (selection.tokens) {
    const statement = s.db.prepare(
      `SELECT t.id, t.value, t.expires_at, sk.kid FROM tokens t JOIN token_signing_keys sk ON sk.id = t.signing_key_id
       WHERE t.user_id = ? AND t.revoked_at IS NULL AND t.expires_at > ? ORDER BY t.issued_at, t.id`,
    )
    for (const u of chosenUsers) {
      for (const t of statement.all(u.id, now.toISOString()) as { id: string; value: Buffer; expires_at: string; kid: string }[]) {
        tokens.push({ id: t.id, serviceUserId: u.id, token: unseal(s.sealKey, t.value, tokenSealContext(t.id)).toString('utf8'), kid: t.kid, expiresAt: t.expires_at })
      }
    }
  }

  const endpoints: Items['endpoints'] = []
  if (selection.endpoints) {
    const seen = new Set<string>()
    const add = (kind: 'rest' | 'soap' | 'public', url: string | null, keyId: string | null) => {
      if (!url || seen.has(`${kind} ${url} ${keyId}`)) return
      seen.add(`${kind} ${url} ${keyId}`)
      endpoints.push({ kind, url, keyId })
    }
    for (const k of keys) add('public', k.publicUrl, k.id)
    for (const u of chosenUsers) {
      add('rest', u.rest_endpoint, u.key_id)
      add('soap', u.soap_endpoint, u.key_id)
    }
  }

  const permissions: Items['permissions'] = []
  if (selection.permissions) {
    const held = new Set([...keys.flatMap((k) => k.permissions), ...serviceUsers.flatMap((u) => [...u.restPermissions, ...u.soapPermissions])])
    const catalog = getCatalog()
    const groups = new Map(catalog.groups.map((g) => [g.id, g.label]))
    for (const m of catalog.rest) if (held.has(m.id)) permissions.push({ id: m.id, kind: 'rest', group: groups.get(m.group) ?? m.group, label: `${m.verb} ${m.path} — ${m.description}`.slice(0, 500) })
    for (const o of catalog.soap) if (held.has(o.id)) permissions.push({ id: o.id, kind: 'soap', group: groups.get(o.group) ?? o.group, label: `${o.service}.${o.operation} — ${o.description}`.slice(0, 500) })
  }
  return { keys, serviceUsers, tokens, endpoints, permissions }
}
