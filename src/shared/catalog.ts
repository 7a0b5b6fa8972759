import { z } from 'zod'

/**
 * The permission catalog (seeds 002, 003): every REST method and SOAP operation a key can be
 * allowed to call, each with a stable id. Types live here so the UI can group and tick them.
 *   REST ids: rest.<resource>.<action>       e.g. rest.records.read
 *   SOAP ids: soap.<Service>.<Operation>     e.g. soap.RecordService.GetRecord
 */
export const PERMISSION_ID_PATTERN = /^(rest\.[a-z][A-Za-z]*\.[a-z][A-Za-z]*|soap\.[A-Z][A-Za-z]*\.[A-Z][A-Za-z]*)$/

export const HttpVerb = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

export const RestMethod = z.object({
  id: z.string(),
  group: z.string(),
  resource: z.string(),
  verb: HttpVerb,
  path: z.string(),
  description: z.string(),
})
export type RestMethod = z.infer<typeof RestMethod>

export const SoapOperation = z.object({
  id: z.string(),
  group: z.string(),
  service: z.string(),
  operation: z.string(),
  description: z.string(),
})
export type SoapOperation = z.infer<typeof SoapOperation>

export const CatalogGroup = z.object({ id: z.string(), label: z.string(), description: z.string() })
export type CatalogGroup = z.infer<typeof CatalogGroup>

export const Catalog = z.object({
  version: z.number().int(),
  groups: z.array(CatalogGroup),
  rest: z.array(RestMethod),
  soap: z.array(SoapOperation),
  /** Default permission template of each built-in application kind. */
  templates: z.record(z.string(), z.array(z.string())),
})
export type Catalog = z.infer<typeof Catalog>

/** Every permission id of a catalog, REST first, in catalog order. */
export const catalogIds = (catalog: Catalog): string[] => [...catalog.rest.map((m) => m.id), ...catalog.soap.map((o) => o.id)]
