import { ActionIcon, Badge, Box, Button, Card, Group, ScrollArea, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core'
import { modals } from '@mantine/modals'
import { IconPencil, IconPlus, IconTrash } from '@tabler/icons-react'
import { useState, type FormEvent, type ReactNode } from 'react'
import { toApiError } from '../api/client'
import { NameModal } from '../ui/name-modal'
import { notifyDone, notifyError } from '../ui/notify'
import classes from './topology-column.module.css'

interface Named {
  id: string
  name: string
}

export interface TopologyColumnProps {
  /** "region", "server", "collection": used in labels, confirmations and aria names. */
  noun: string
  title: string
  icon: ReactNode
  /** Shown instead of the list while the parent is not chosen. */
  needsParent?: string
  /** Whose children are listed, e.g. "in eu-west". */
  parentLabel?: string
  items: Named[] | undefined
  selectedId: string | undefined
  onSelect(id: string): void
  create(name: string): Promise<Named>
  rename(id: string, name: string): Promise<unknown>
  remove(id: string): Promise<unknown>
  deleteWarning: string
}

/** One level of the topology: a list to pick from, an add field, rename and delete per row. */
export function TopologyColumn(props: TopologyColumnProps) {
  const { noun, title, icon, needsParent, parentLabel, items, selectedId, onSelect } = props
  const [draft, setDraft] = useState('')
  const [refusal, setRefusal] = useState<string | null>(null)
  const [adding, setAdding] = useState(false)
  const [renaming, setRenaming] = useState<Named | null>(null)

  const add = async (event: FormEvent) => {
    event.preventDefault()
    setAdding(true)
    setRefusal(null)
    try {
      const created = await props.create(draft)
      setDraft('')
      onSelect(created.id)
      notifyDone(`Added ${noun} “${created.name}”.`)
    } catch (error) {
      const e = toApiError(error)
      // The refusal stays next to what was typed, which is kept for correcting.
      if (e.code === 'NAME_TAKEN' || e.code === 'NAME_INVALID') setRefusal(e.message)
      else notifyError(e)
    } finally {
      setAdding(false)
    }
  }

  const confirmDelete = (item: Named) =>
    modals.openConfirmModal({
      title: `Delete ${noun} “${item.name}”?`,
      children: (
        <Text size="sm">
          {props.deleteWarning} The audit log keeps a record of the deletion.
        </Text>
      ),
      labels: { confirm: `Delete ${noun}`, cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => {
        props.remove(item.id).then(
          () => notifyDone(`Deleted ${noun} “${item.name}”.`),
          (error: unknown) => notifyError(error, `Could not delete “${item.name}”`),
        )
      },
    })

  return (
    <Card padding={0} className={classes.column}>
      <Group justify="space-between" px="md" py="sm" className={classes.head} wrap="nowrap">
        <Group gap="sm" wrap="nowrap" miw={0}>
          {icon}
          <Stack gap={0} miw={0}>
            <Text fw={600} lh={1.3}>
              {title}
            </Text>
            <Text size="xs" c="dimmed" truncate lh={1.3}>
              {needsParent ? '—' : (parentLabel ?? 'All')}
            </Text>
          </Stack>
        </Group>
        {items && !needsParent && (
          <Badge variant="light" color="gray" size="sm" aria-label={`${items.length} ${title.toLowerCase()}`}>
            {items.length}
          </Badge>
        )}
      </Group>

      {needsParent ? (
        <Box px="md" py="xl">
          <Text size="sm" c="dimmed" ta="center">
            {needsParent}
          </Text>
        </Box>
      ) : (
        <Stack gap={0} className={classes.body}>
          <form onSubmit={add} noValidate className={classes.form}>
            <Group gap="xs" align="flex-start" wrap="nowrap">
              <TextInput
                aria-label={`New ${noun} name`}
                placeholder={`New ${noun}`}
                value={draft}
                onChange={(e) => {
                  setDraft(e.currentTarget.value)
                  setRefusal(null)
                }}
                error={refusal}
                flex={1}
              />
              <Button type="submit" variant="light" leftSection={<IconPlus size={16} />} loading={adding} disabled={draft.trim().length === 0} aria-label={`Add ${noun}`}>
                Add
              </Button>
            </Group>
          </form>
          <ScrollArea.Autosize mah={420}>
            {items?.length === 0 && (
              <Text size="sm" c="dimmed" ta="center" px="md" py="lg">
                No {noun}s yet.
              </Text>
            )}
            <Stack gap={2} p="xs" role="list" aria-label={title}>
              {items?.map((item) => {
                const active = item.id === selectedId
                return (
                  <Group key={item.id} role="listitem" className={classes.row} data-active={active || undefined} wrap="nowrap" gap={4}>
                    <UnstyledButton className={classes.pick} onClick={() => onSelect(item.id)} aria-pressed={active} aria-label={`Select ${noun} ${item.name}`}>
                      <Text size="sm" fw={active ? 600 : 400} truncate>
                        {item.name}
                      </Text>
                    </UnstyledButton>
                    <Tooltip label="Rename">
                      <ActionIcon variant="subtle" color="gray" aria-label={`Rename ${noun} ${item.name}`} onClick={() => setRenaming(item)}>
                        <IconPencil size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Delete">
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${noun} ${item.name}`} onClick={() => confirmDelete(item)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                )
              })}
            </Stack>
          </ScrollArea.Autosize>
        </Stack>
      )}

      <NameModal
        opened={renaming !== null}
        onClose={() => setRenaming(null)}
        title={`Rename ${noun}`}
        label={`New name for “${renaming?.name ?? ''}”`}
        initial={renaming?.name ?? ''}
        submitLabel="Rename"
        onSubmit={async (name) => {
          if (!renaming) return
          await props.rename(renaming.id, name)
          notifyDone(`Renamed ${noun} to “${name.trim()}”.`)
        }}
      />
    </Card>
  )
}
