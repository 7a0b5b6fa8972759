import { Secret, TOTP } from 'otpauth'
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract'
import type { SampleSummary } from '../../shared/contract/sample'
import { KeywardError } from '../../shared/errors'
import type { Tier } from '../../shared/licensing'
import type { CallContext, Dispatch } from '../dispatcher'

/** A typed call through the dispatcher; a refusal aborts the load with its coded error. */
type Call = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>

function through(dispatch: Dispatch, ctx: CallContext): Call {
  return async (method, input) => {
    const result = await dispatch(method, input, ctx)
    if (!result.ok) throw new KeywardError(result.error.code, `Loading the sample organisation stopped at ${method}: ${result.error.message}`)
    return result.value as never
  }
}

/** Regions → servers → collections of the sample (seed 003's navigation). */
const TOPOLOGY: Record<string, Record<string, string[]>> = {
  'eu-west': { 'db-frankfurt-01': ['acme-production', 'acme-staging'], 'db-dublin-01': ['globex-erp'] },
  'us-east': { 'db-virginia-01': ['umbrella-main', 'umbrella-analytics'], 'db-ohio-02': ['initech-main'] },
  'ap-south': { 'db-mumbai-01': ['umbrella-asia', 'sandbox'] },
}

/** Clients of every tier (seed 000) and the collections their licences bind. */
const CLIENTS: { name: string; tier: Tier; notes: string; collections: string[] }[] = [
  { name: 'Acme Corp', tier: 'gold', notes: 'Production and staging on one server.', collections: ['acme-production', 'acme-staging'] },
  { name: 'Globex', tier: 'blue', notes: 'ERP partnership (XSS).', collections: ['globex-erp'] },
  { name: 'Initech', tier: 'blue', notes: '', collections: ['initech-main'] },
  { name: 'Umbrella Group', tier: 'platinum', notes: 'Three regions of the same organisation.', collections: ['umbrella-main', 'umbrella-analytics', 'umbrella-asia'] },
]

const APPLICATIONS = ['workflow', 'mobile', 'erp'] as const
const APP_LABEL: Record<(typeof APPLICATIONS)[number], string> = { workflow: 'Workflow', mobile: 'Mobile App', erp: 'ERP' }

/** The first `n` permissions of a key with the given prefix (users get a subset of their key's). */
const some = (permissions: string[], prefix: 'rest.' | 'soap.', n: number) => permissions.filter((p) => p.startsWith(prefix)).slice(0, n)

function totpCode(base32: string, nowMs: number): string {
  return new TOTP({ secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: nowMs })
}

/**
 * Builds a believable organisation in an empty vault, one contract call at a time, so it is
 * validated, audited and announced exactly as if an admin had clicked through it.
 */
export async function loadSampleOrganisation(dispatch: Dispatch, ctx: CallContext, nowMs: () => number): Promise<SampleSummary> {
  const call = through(dispatch, ctx)
  const [regions, clients] = await Promise.all([call('regions.list', {}), call('clients.list', {})])
  if (regions.length > 0 || clients.length > 0) {
    throw new KeywardError('VAULT_NOT_EMPTY', 'The sample organisation can only be loaded into an empty vault; this one already has regions or clients.')
  }
  const summary: SampleSummary = { regions: 0, servers: 0, collections: 0, clients: 0, licences: 0, keys: 0, rotatedKeys: 0, revokedKeys: 0, users: 0, usersWithTotp: 0, tokens: 0 }

  const collections = new Map<string, string>()
  for (const [regionName, servers] of Object.entries(TOPOLOGY)) {
    const region = await call('regions.create', { name: regionName })
    summary.regions++
    for (const [serverName, names] of Object.entries(servers)) {
      const server = await call('servers.create', { regionId: region.id, name: serverName })
      summary.servers++
      for (const name of names) {
        collections.set(name, (await call('collections.create', { serverId: server.id, name })).id)
        summary.collections++
      }
    }
  }

  let userIndex = 0
  for (const spec of CLIENTS) {
    const client = await call('clients.create', { name: spec.name, tier: spec.tier, notes: spec.notes })
    summary.clients++
    for (const [c, collectionName] of spec.collections.entries()) {
      const collectionId = collections.get(collectionName)!
      await call('licences.create', { clientId: client.id, collectionId })
      summary.licences++
      const integrations = await call('keyGroups.create', { collectionId, name: 'Integrations' })
      const partners = await call('keyGroups.create', { collectionId, name: 'Partners' })
      // Staging and secondary collections run fewer applications.
      const apps = c === 0 ? APPLICATIONS : APPLICATIONS.slice(0, 2)
      for (const [a, app] of apps.entries()) {
        const created = await call('keys.create', {
          collectionId,
          applicationKind: app,
          name: `${APP_LABEL[app]} – ${collectionName}`,
          description: app === 'erp' ? 'Partner ERP exchanging invoices and orders.' : `${APP_LABEL[app]} access for ${spec.name}.`,
          audience: app === 'mobile' ? 'client' : 'business',
          environment: collectionName.includes('staging') || collectionName === 'sandbox' ? 'test' : 'live',
          groupId: app === 'erp' ? partners.id : integrations.id,
          allowedIps: a === 0 ? ['10.20.0.0/16', '192.0.2.10'] : a === 2 ? ['2001:db8::/48'] : [],
          publicUrl: app === 'mobile' ? `https://portal.${collectionName}.example.com` : undefined,
          rotationDays: app === 'erp' ? 180 : 90,
          rateLimitPerMinute: app === 'erp' ? 600 : undefined,
        })
        summary.keys++
        let key = created.key
        // A few of the keys have been through rotation and revocation.
        if (app === 'workflow' && c === 0) {
          key = (await call('keys.rotate', { id: key.id, graceHours: 24 })).key
          summary.rotatedKeys++
        }
        if (app === 'mobile' && spec.tier === 'blue') {
          await call('keys.revoke', { id: key.id, reason: 'Device fleet replaced' })
          summary.revokedKeys++
          continue
        }
        if (app === 'erp') continue

        const withTotp = userIndex % 3 === 1
        const username = `${collectionName.replace(/-/g, '.')}.${app}`
        const user = await call('users.create', {
          collectionId,
          keyId: key.id,
          username,
          type: userIndex % 2 === 0 ? 'own_records' : 'all_records',
          permissionProfile: userIndex % 4 === 3 ? 'read_only' : 'standard',
          restPermissions: some(key.permissions, 'rest.', 6),
          restEndpoint: `https://${collectionName}.example.com/api/v1`,
          soapPermissions: some(key.permissions, 'soap.', 3),
          soapEndpoint: `https://${collectionName}.example.com/soap`,
          authMethod: withTotp ? 'password_totp' : 'password',
        })
        userIndex++
        summary.users++
        if (withTotp && user.totp) {
          await call('users.confirmTotp', { id: user.user.id, code: totpCode(user.totp.secret, nowMs()) })
          summary.usersWithTotp++
        } else if (user.password) {
          await call('tokens.generate', { userId: user.user.id, clientId: user.user.clientId, password: user.password, ttlSeconds: 3600 })
          summary.tokens++
        }
      }
    }
  }
  return summary
}
