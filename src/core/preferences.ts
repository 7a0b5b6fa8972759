import Conf from 'conf'
import { defaultPreferences, Preferences } from '../shared/model'

/** Non-secret settings of this device. Electron passes electron-store; Node hosts use conf. */
export interface PreferencesStore {
  get(): Preferences
  set(patch: Partial<Preferences>): Preferences
}

export function confPreferences(dir: string): PreferencesStore {
  // A damaged file falls back to defaults: preferences are conveniences, never data.
  const conf = new Conf<Preferences>({ cwd: dir, configName: 'preferences', defaults: defaultPreferences, clearInvalidConfig: true })
  return storeOver({ read: () => conf.store, write: (value) => (conf.store = value) })
}

/** Wraps any key-value backend (conf, electron-store) and repairs what does not parse. */
export function storeOver(backend: { read(): unknown; write(value: Preferences): void }): PreferencesStore {
  const read = (): Preferences => {
    const parsed = Preferences.safeParse({ ...defaultPreferences, ...(backend.read() as object) })
    return parsed.success ? parsed.data : defaultPreferences
  }
  return {
    get: read,
    set(patch) {
      const next = Preferences.parse({ ...read(), ...patch })
      backend.write(next)
      return next
    },
  }
}
