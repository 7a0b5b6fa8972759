import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverApi } from '../../../src/shared/server-api'
import { backends, startTestServer, type Target, type TestServer } from '../../helpers/server'

describe('the OpenAPI document', () => {
  let t: TestServer
  let target: Target
  beforeAll(async () => {
    target = await backends[0]!.fresh()
    t = await startTestServer(target)
  })
  afterAll(async () => {
    await t.close()
    await target.cleanup()
  })

  it('is served at /v1/openapi.json and lists exactly the routes the server answers', async () => {
    const r = await t.request('GET', '/v1/openapi.json')
    expect(r.status).toBe(200)
    const doc = r.body as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> }
    expect(doc.openapi).toBe('3.1.0')
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`))
    const table = Object.entries(serverApi).map(([name, spec]) => `${spec.method} ${spec.path.replace(/:(\w+)/g, '{$1}')} ${name}`)
    expect(documented.sort()).toEqual(table.sort())
    for (const spec of Object.values(serverApi)) expect(t.server.app.hasRoute({ method: spec.method, url: spec.path }), `${spec.method} ${spec.path}`).toBe(true)
  })

  it('carries the request and response schemas the server validates with', async () => {
    const doc = (await t.request('GET', '/v1/openapi.json')).body
    const login = doc.paths['/v1/auth/login'].post
    expect(login.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password', 'deviceName'],
      properties: { totp: { type: 'string', pattern: '^\\d{6}$' } },
    })
    expect(login.responses['201'].content['application/json'].schema.properties.value.required).toEqual(['device', 'token'])
    const revoke = doc.paths['/v1/devices/{id}/revoke'].post
    expect(revoke.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })])
    expect(revoke.security).toEqual([{ deviceToken: [] }])
    const audit = doc.paths['/v1/audit'].get
    expect(audit.parameters.map((p: { name: string; required: boolean }) => [p.name, p.required])).toEqual([
      ['after', false],
      ['limit', false],
    ])
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('LOGIN_RATE_LIMITED')
  })

  it('documents the gateway and sync routes with their security and scopes', async () => {
    const doc = (await t.request('GET', '/v1/openapi.json')).body
    const verify = doc.paths['/v1/keys/verify'].post
    expect(verify.security).toEqual([{ gatewayToken: [] }])
    expect(verify.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false, required: ['key'] })
    expect(verify.responses['200'].content['application/json'].schema.properties.value.properties.code.enum).toContain('LICENCE_INACTIVE')
    expect(verify.description ?? verify.summary).toMatch(/keys\.verify/)
    expect(doc.paths['/v1/tokens/introspect'].post.responses['200'].content['application/json'].schema.properties.active).toEqual({ type: 'boolean' })
    // the JWKS is public key material: fetched without credentials (no security requirement)
    expect(doc.paths['/v1/collections/{id}/jwks.json'].get.security).toBeUndefined()
    expect(doc.paths['/v1/collections/{id}/jwks.json'].get.summary).toMatch(/no credentials/)
    expect(doc.paths['/v1/sync/push'].post.security).toEqual([{ deviceToken: [] }])
    expect(doc.paths['/v1/sync/pull'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['cursor', 'limit', 'collectionId'])
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toContain('OP_ID_REUSED')
  })

  it('matches the snapshot (a change here is a reviewed API change)', async () => {
    const doc = (await t.request('GET', '/v1/openapi.json')).body
    expect({ ...doc, info: { ...doc.info, version: 'x' } }).toMatchSnapshot()
  })
})
