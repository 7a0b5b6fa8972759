import { z } from 'zod'

/** `always` methods work while the vault is locked; every other method needs it open. */
export type Access = 'always' | 'unlocked'

export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I
  output: O
  access: Access
  summary: string
}

export const method = <I extends z.ZodType, O extends z.ZodType>(summary: string, input: I, output: O, access: Access = 'unlocked'): MethodSpec<I, O> => ({
  input,
  output,
  access,
  summary,
})

export const Empty = z.strictObject({})
export const Done = z.object({ done: z.literal(true) })
/** Secret inputs are plain strings on the wire; the dispatcher never echoes input values. */
export const SecretInput = z.string().max(1024)
