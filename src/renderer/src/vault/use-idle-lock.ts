import { useEffect } from 'react'
import { api } from '../api/client'
import { notifyError } from '../ui/notify'

const ACTIVITY = ['mousemove', 'mousedown', 'keydown', 'wheel', 'touchstart', 'pointerdown'] as const

/**
 * Locks the vault after `minutes` without mouse or keyboard activity in this window (0 = never).
 * The core has its own timer for calls; this one covers someone reading a screen and leaving.
 */
export function useIdleLock(minutes: number): void {
  useEffect(() => {
    if (minutes <= 0) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        void api.invoke('vault.lock', {}).then((r) => !r.ok && notifyError(r.error, 'Could not lock after inactivity'))
      }, minutes * 60_000)
    }
    arm()
    for (const name of ACTIVITY) window.addEventListener(name, arm, { passive: true, capture: true })
    return () => {
      if (timer) clearTimeout(timer)
      for (const name of ACTIVITY) window.removeEventListener(name, arm, { capture: true })
    }
  }, [minutes])
}
