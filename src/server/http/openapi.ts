import { z } from 'zod'
import { ErrorBody, serverApi, type RouteSpec } from '../../shared/server-api'

const schema = (type: z.ZodType, io: 'input' | 'output') => {
  const json = z.toJSONSchema(type, { io, unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

/** `:id` → `{id}`, OpenAPI's path template. */
const templatePath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}')

function parameters(spec: RouteSpec) {
  const out: unknown[] = []
  for (const [where, type] of [
    ['path', spec.params],
    ['query', spec.query],
  ] as const) {
    if (!type) continue
    const json = schema(type, 'input') as { properties?: Record<string, unknown>; required?: string[] }
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property })
    }
  }
  return out
}

/**
 * OpenAPI 3.1 for every route of `serverApi`, generated from the same zod schemas the
 * server validates with. Successful answers are wrapped as `{ ok: true, value }`.
 */
export function buildOpenApi(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [name, spec] of Object.entries(serverApi) as [string, RouteSpec][]) {
    const value = schema(spec.response, 'output')
    const success = spec.raw ? value : { type: 'object', required: ['ok', 'value'], additionalProperties: false, properties: { ok: { const: true }, value } }
    const operation: Record<string, unknown> = {
      operationId: name,
      summary: spec.summary,
      tags: [spec.tag],
      parameters: parameters(spec),
      responses: {
        [String(spec.status ?? 200)]: { description: 'Success', content: { 'application/json': { schema: success } } },
        default: { description: 'A coded error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    }
    if (spec.body) operation.requestBody = { required: true, content: { 'application/json': { schema: schema(spec.body, 'input') } } }
    if (spec.auth === 'admin') operation.security = [{ deviceToken: [] }]
    if (spec.auth === 'gateway') operation.security = [{ gatewayToken: [] }]
    const path = templatePath(spec.path)
    paths[path] = { ...paths[path], [spec.method.toLowerCase()]: operation }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Keyward remote instance', version, description: 'Admin accounts, devices and gateway tokens of a Keyward server. Errors are `{ ok: false, error: { code, message } }`.' },
    paths,
    components: {
      schemas: { Error: schema(ErrorBody, 'output') },
      securitySchemes: {
        deviceToken: { type: 'http', scheme: 'bearer', description: 'A device token from POST /v1/auth/login (kwd_…).' },
        gatewayToken: { type: 'http', scheme: 'bearer', description: 'A gateway token from POST /v1/gateway-tokens (kwg_…).' },
      },
    },
  }
}
