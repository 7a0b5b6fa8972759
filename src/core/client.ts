import type { MethodInput, MethodName, MethodOutput } from '../shared/contract'
import { KeywardError } from '../shared/errors'
import type { Result } from '../shared/result'
import type { Keyward } from './app'

/** The in-process transport: the CLI and tests call the dispatcher directly. */
export interface InProcessClient {
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>>
  /** Like invoke, but returns the value or throws the coded error. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
}

export function createInProcessClient(core: Keyward, actor = 'local-admin'): InProcessClient {
  const invoke = <M extends MethodName>(method: M, input: MethodInput<M>) =>
    core.dispatch(method, input, { actor, transport: 'inprocess' }) as Promise<Result<MethodOutput<M>>>
  return {
    invoke,
    async call(method, input) {
      const result = await invoke(method, input)
      if (!result.ok) throw new KeywardError(result.error.code, result.error.message)
      return result.value
    },
  }
}
