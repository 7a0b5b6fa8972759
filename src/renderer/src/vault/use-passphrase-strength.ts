import { useDeferredValue, useEffect, useState } from 'react'
import type { PassphraseStrength } from '../../../shared/passphrase'

type Judge = (passphrase: string) => PassphraseStrength

// zxcvbn's dictionaries are large; only the screens that ask for a new passphrase load them.
let judge: Promise<Judge> | undefined
const loadJudge = () => (judge ??= import('../../../shared/passphrase').then((m) => m.passphraseStrength))

export interface LiveStrength {
  /** The latest judgement (possibly of a few keystrokes ago, for a calm meter); null while loading. */
  strength: PassphraseStrength | null
  /** True only when `strength` judges exactly the current text and accepts it. */
  acceptable: boolean
}

/** The same judgement the core applies (VAULT_WEAK_PASSPHRASE), live while typing. */
export function usePassphraseStrength(passphrase: string): LiveStrength {
  const deferred = useDeferredValue(passphrase)
  const [result, setResult] = useState<{ for: string; strength: PassphraseStrength } | null>(null)
  useEffect(() => {
    let current = true
    void loadJudge().then((check) => current && setResult({ for: deferred, strength: check(deferred) }))
    return () => {
      current = false
    }
  }, [deferred])
  return { strength: result?.strength ?? null, acceptable: result?.for === passphrase && result.strength.acceptable }
}
