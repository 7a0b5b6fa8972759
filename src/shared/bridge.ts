import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from './contract'
import type { Result } from './result'

/** What the preload exposes as `window.keyward` — nothing else crosses into the page. */
export interface KeywardBridge {
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

export const IPC_INVOKE_CHANNEL = 'keyward:invoke'
export const IPC_EVENT_CHANNEL = 'keyward:event'
