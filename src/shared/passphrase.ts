import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as en from '@zxcvbn-ts/language-en'

/** Shared by the setup screen (live meter) and the core (the refusal), so both judge alike. */
export const MIN_PASSPHRASE_LENGTH = 12
export const MIN_PASSPHRASE_SCORE = 4

export interface PassphraseStrength {
  /** 0 (trivial) … 4 (very strong), zxcvbn's scale. */
  score: 0 | 1 | 2 | 3 | 4
  acceptable: boolean
  /** What to do about it, in plain words; empty when acceptable. */
  feedback: string
  crackTime: string
}

let factory: ZxcvbnFactory | undefined

export function passphraseStrength(passphrase: string): PassphraseStrength {
  factory ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  })
  const result = factory.check(passphrase.slice(0, 256), ['keyward', 'vault', 'password', 'passphrase'])
  const score = result.score as PassphraseStrength['score']
  const tooShort = passphrase.length < MIN_PASSPHRASE_LENGTH
  const acceptable = !tooShort && score >= MIN_PASSPHRASE_SCORE
  const hints = [
    tooShort ? `Use at least ${MIN_PASSPHRASE_LENGTH} characters.` : '',
    result.feedback.warning ?? '',
    ...result.feedback.suggestions,
  ].filter(Boolean)
  return {
    score,
    acceptable,
    feedback: acceptable ? '' : hints.join(' ') || 'Make it longer or less predictable.',
    crackTime: result.crackTimes.offlineSlowHashingXPerSecond.display,
  }
}
