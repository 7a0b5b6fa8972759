import { useHotkeys } from '@mantine/hooks'
import { useRef } from 'react'

/** `/` or Ctrl/⌘+K focuses the current section's search box (attach the ref to it). */
export function useSearchHotkey<T extends HTMLElement = HTMLInputElement>() {
  const ref = useRef<T>(null)
  const focus = (event: KeyboardEvent) => {
    if (!ref.current) return
    event.preventDefault()
    ref.current.focus()
    if (ref.current instanceof HTMLInputElement) ref.current.select()
  }
  // "/" is ignored while typing in a field (Mantine's default); Ctrl+K works from anywhere.
  useHotkeys([['/', focus]], ['INPUT', 'TEXTAREA', 'SELECT'])
  useHotkeys([['mod+K', focus]], [])
  return ref
}
