import { ActionIcon, Group, Select, Tooltip } from '@mantine/core'
import { useDisclosure } from '@mantine/hooks'
import { IconMapPin, IconPlus } from '@tabler/icons-react'
import { api } from '../api/client'
import { NameModal } from '../ui/name-modal'
import { useSelection } from './selection'

/** First thing in the navbar (seed 003): nothing collection-specific shows before a region is chosen. */
export function RegionSelector() {
  const { regions, region, selectRegion, ready } = useSelection()
  const [adding, { open, close }] = useDisclosure(false)

  return (
    <>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <Select
          label="Region"
          placeholder={ready && regions?.length === 0 ? 'No regions yet' : 'Choose a region'}
          data={(regions ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={region?.id ?? null}
          onChange={selectRegion}
          leftSection={<IconMapPin size={16} />}
          searchable
          nothingFoundMessage="No region with that name"
          allowDeselect={false}
          disabled={!ready}
          flex={1}
          comboboxProps={{ withinPortal: true }}
        />
        <Tooltip label="Add region">
          <ActionIcon variant="default" size={36} aria-label="Add region" onClick={open}>
            <IconPlus size={18} />
          </ActionIcon>
        </Tooltip>
      </Group>
      <NameModal
        opened={adding}
        onClose={close}
        title="Add a region"
        label="Region name"
        description="For example eu-west or us-east. Names are unique, ignoring case."
        submitLabel="Add region"
        onSubmit={async (name) => selectRegion((await api.call('regions.create', { name })).id)}
      />
    </>
  )
}
