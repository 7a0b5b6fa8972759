import type { InProcessClient } from '../../src/core/client'
import type { MethodInput } from '../../src/shared/contract'
import { makeLicensedCollection } from './keys'

/** A licensed collection with an active ERP key (the application's default permissions). */
export async function makeKeyedCollection(client: InProcessClient) {
  const base = await makeLicensedCollection(client)
  const { key, secret } = await client.call('keys.create', { collectionId: base.collection.id, applicationKind: 'erp', name: 'XSS ERP' })
  return { ...base, key, keySecret: secret }
}

/** A service user of `keyId` with a generated password (returned, as users.create does once). */
export async function makeUser(client: InProcessClient, collectionId: string, keyId: string, extra: Partial<MethodInput<'users.create'>> = {}) {
  const { user, password, totp } = await client.call('users.create', {
    collectionId,
    keyId,
    username: 'svc-erp',
    restPermissions: ['rest.records.read', 'rest.invoices.list'],
    soapPermissions: ['soap.RecordService.GetRecord'],
    restEndpoint: 'https://erp.acme.example/rest/v1',
    soapEndpoint: 'https://erp.acme.example/soap',
    ...extra,
  })
  return { user, password: password ?? (extra.password as string), totp }
}
