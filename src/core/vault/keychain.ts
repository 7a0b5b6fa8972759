/**
 * The OS keychain as the vault sees it. Implementations: keytar (Node, CLI, bridge, tests),
 * Electron safeStorage (desktop), and `noKeychain` where nothing is available.
 */
export interface Keychain {
  /** Resolves with a plain-language reason when the keychain cannot be used on this device. */
  probe(): Promise<{ available: true } | { available: false; reason: string }>
  get(account: string): Promise<string | null>
  set(account: string, secret: string): Promise<void>
  delete(account: string): Promise<void>
}

export const KEYCHAIN_SERVICE = 'Keyward vault'

export function noKeychain(reason: string): Keychain {
  const refuse = async (): Promise<never> => {
    throw new Error(reason)
  }
  return {
    probe: async () => ({ available: false, reason }),
    get: async () => null,
    set: refuse,
    delete: async () => undefined,
  }
}

interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

/**
 * keytar talks to the Secret Service (Linux), Keychain (macOS) or Credential Vault (Windows).
 * Without a Secret Service it fails fast; that becomes "unavailable", never a crash.
 */
export function keytarKeychain(service = KEYCHAIN_SERVICE): Keychain {
  let api: Promise<KeytarApi> | undefined
  const load = () => (api ??= import('keytar').then((m) => (m.default ?? m) as KeytarApi))
  let probed: Promise<{ available: true } | { available: false; reason: string }> | undefined
  return {
    probe() {
      probed ??= (async () => {
        try {
          const k = await load()
          await k.getPassword(service, '__keyward_probe__')
          return { available: true as const }
        } catch (error) {
          return {
            available: false as const,
            reason: `No OS keychain is available on this device (${describe(error)}); unlock with the passphrase.`,
          }
        }
      })()
      return probed
    },
    async get(account) {
      return (await load()).getPassword(service, account)
    },
    async set(account, secret) {
      await (await load()).setPassword(service, account, secret)
    },
    async delete(account) {
      await (await load()).deletePassword(service, account)
    },
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  if (/secret service|org\.freedesktop|d-?bus/i.test(text)) return 'no Secret Service is running'
  if (/cannot find module|not find module|was compiled against/i.test(text)) return 'the keychain module is not built for this runtime'
  return text.split('\n')[0]!.slice(0, 120)
}
