import { Button, Group, Modal, Stack, TextInput } from '@mantine/core'
import { useState, type FormEvent, type ReactNode } from 'react'
import { toApiError } from '../api/client'
import { notifyError } from './notify'

/** Field-level refusals are shown under the field; anything else becomes a notification. */
const FIELD_CODES = new Set(['NAME_INVALID', 'NAME_TAKEN'])

export interface NameModalProps {
  opened: boolean
  onClose(): void
  title: string
  label: string
  description?: ReactNode
  initial?: string
  submitLabel: string
  /** Resolves when done (the modal closes); rejects with a coded error (the modal stays, text kept). */
  onSubmit(name: string): Promise<unknown>
}

/** Create or rename one named thing (region, server, collection). */
export function NameModal({ opened, onClose, title, ...form }: NameModalProps) {
  // The form mounts with the modal's content, so every opening starts from `initial`.
  return (
    <Modal opened={opened} onClose={onClose} title={title} size="md">
      <NameForm onClose={onClose} {...form} />
    </Modal>
  )
}

function NameForm({ onClose, label, description, initial = '', submitLabel, onSubmit }: Omit<NameModalProps, 'opened' | 'title'>) {
  const [name, setName] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await onSubmit(name)
      onClose()
    } catch (failure) {
      const e = toApiError(failure)
      if (FIELD_CODES.has(e.code)) setError(e.message)
      else notifyError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} noValidate>
        <Stack gap="lg">
          <TextInput
            label={label}
            description={description}
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value)
              setError(null)
            }}
            error={error}
            data-autofocus
          />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={name.trim().length === 0}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
    </form>
  )
}
