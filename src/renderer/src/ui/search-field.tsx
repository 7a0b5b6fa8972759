import { CloseButton, Kbd, TextInput, type TextInputProps } from '@mantine/core'
import { IconSearch } from '@tabler/icons-react'
import { useSearchHotkey } from './use-search-hotkey'

export interface SearchFieldProps extends Omit<TextInputProps, 'value' | 'onChange' | 'aria-label'> {
  /** The accessible name, e.g. "Search API keys". */
  label: string
  value: string
  onChange(value: string): void
}

/** A section's search box: `/` or Ctrl/⌘+K focuses it, and a filled box can be cleared with one click. */
export function SearchField({ label, value, onChange, ...rest }: SearchFieldProps) {
  const ref = useSearchHotkey()
  return (
    <TextInput
      ref={ref}
      aria-label={label}
      leftSection={<IconSearch size={16} />}
      rightSection={value ? <CloseButton size="sm" aria-label="Clear search" onClick={() => onChange('')} /> : <Kbd size="xs">/</Kbd>}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      {...rest}
    />
  )
}
