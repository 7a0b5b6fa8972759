import { Button, Menu } from '@mantine/core'
import { IconChevronDown, IconFileExport, IconFileImport, IconPackage } from '@tabler/icons-react'
import { useState } from 'react'
import type { ChosenCollection } from '../ui/collection-required'
import { ExportBundleModal } from './export-wizard'
import { ImportBundleModal } from './import-dialog'

/** The section headers' door to integrator bundles: export this collection, or import a file. */
export function BundleMenu({ chosen }: { chosen: ChosenCollection }) {
  const [open, setOpen] = useState<'export' | 'import' | null>(null)
  return (
    <>
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <Button variant="default" leftSection={<IconPackage size={16} />} rightSection={<IconChevronDown size={14} />}>
            Bundles
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item leftSection={<IconFileExport size={14} />} onClick={() => setOpen('export')}>
            Export bundle of {chosen.collection.name}…
          </Menu.Item>
          <Menu.Item leftSection={<IconFileImport size={14} />} onClick={() => setOpen('import')}>
            Import bundle…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <ExportBundleModal chosen={chosen} opened={open === 'export'} onClose={() => setOpen(null)} />
      <ImportBundleModal opened={open === 'import'} onClose={() => setOpen(null)} />
    </>
  )
}

/** Import alone, for screens without a chosen collection (a fresh vault receiving its first bundle). */
export function ImportBundleButton() {
  const [open, setOpen] = useState(false)
  return (
    <>
      <Button variant="default" leftSection={<IconFileImport size={16} />} onClick={() => setOpen(true)}>
        Import bundle…
      </Button>
      <ImportBundleModal opened={open} onClose={() => setOpen(false)} />
    </>
  )
}
