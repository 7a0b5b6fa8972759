import { z } from 'zod'
import { VaultStatus } from '../model'
import { auditMethods } from './audit'
import { catalogMethods } from './catalog'
import { clientMethods } from './clients'
import { keyMethods } from './keys'
import { recordMethods } from './records'
import { scanMethods } from './scan'
import { syncEvents, syncMethods } from './sync'
import { sampleMethods } from './sample'
import { tokenMethods } from './tokens'
import { bundleMethods } from './bundles'
import { installationMethods } from './installation'
import { topologyMethods } from './topology'
import { userMethods } from './users'
import { vaultMethods } from './vault'

export type { MethodSpec } from './define'

/**
 * The whole method surface of Keyward, `domain.verb`, merged from one file per domain.
 * Every transport (Electron IPC, the local HTTP bridge, in-process calls from the CLI and
 * tests) reaches the same dispatcher with these names.
 */
export const contract = {
  ...vaultMethods,
  ...topologyMethods,
  ...auditMethods,
  ...clientMethods,
  ...catalogMethods,
  ...keyMethods,
  ...userMethods,
  ...recordMethods,
  ...tokenMethods,
  ...installationMethods,
  ...bundleMethods,
  ...scanMethods,
  ...sampleMethods,
  ...syncMethods,
} as const

export type Contract = typeof contract
export type MethodName = keyof Contract
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<Contract[M]['output']>

export const methodNames = Object.keys(contract) as MethodName[]

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name)
}

/** Events pushed from the core to every connected UI. */
export const events = {
  'vault.changed': VaultStatus,
  'data.changed': z.object({ domain: z.string() }),
  ...syncEvents,
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.output<Events[E]>

export const eventNames = Object.keys(events) as EventName[]
