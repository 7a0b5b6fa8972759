import { AppShell, Badge, Box, Burger, Button, Group, NavLink, ScrollArea, Stack, Text, Tooltip } from '@mantine/core'
import { useDisclosure } from '@mantine/hooks'
import { IconBuilding, IconCloudUpload, IconHistory, IconKey, IconListCheck, IconLock, IconLockOpen, IconReportAnalytics, IconSettings, IconSitemap, IconTable } from '@tabler/icons-react'
import { useCallback, useState, type ComponentType } from 'react'
import { api } from '../api/client'
import { RefreshProvider } from '../api/refresh'
import { AuditView } from '../audit/audit-view'
import { CatalogView } from '../catalog/catalog-view'
import { KeysView } from '../keys/keys-view'
import { LicencesView } from '../licences/licences-view'
import { RecordsView } from '../records/records-view'
import { ReportView } from '../report/report-view'
import { SettingsView } from '../settings/settings-view'
import { SyncProvider, useSync } from '../sync/sync-context'
import { SyncView } from '../sync/sync-view'
import { TopologyView } from '../topology/topology-view'
import { Brand } from '../ui/brand'
import { notifyError } from '../ui/notify'
import { useIdleLock } from '../vault/use-idle-lock'
import { useVault } from '../vault/vault-context'
import { RegionSelector } from './region-selector'
import { ScopeBar } from './scope-bar'
import { NavigationProvider, type Section } from './navigation'
import { SelectionProvider } from './selection'

const sections: { id: Section; label: string; icon: ComponentType<{ size?: number; stroke?: number }> }[] = [
  { id: 'records', label: 'Records', icon: IconTable },
  { id: 'keys', label: 'API keys', icon: IconKey },
  { id: 'licences', label: 'Clients & licences', icon: IconBuilding },
  { id: 'catalog', label: 'Permission catalog', icon: IconListCheck },
  { id: 'topology', label: 'Topology', icon: IconSitemap },
  { id: 'audit', label: 'Audit log', icon: IconHistory },
  { id: 'report', label: 'Audit report', icon: IconReportAnalytics },
  { id: 'sync', label: 'Sync', icon: IconCloudUpload },
  { id: 'settings', label: 'Settings', icon: IconSettings },
]

const NAVBAR_WIDTH = 272

/** The unlocked application: region selector and sections in the navbar, scope and lock in the header. */
export function Workspace() {
  const { status, setStatus } = useVault()
  const [section, setSection] = useState<Section>('records')
  const [navOpened, { toggle: toggleNav, close: closeNav }] = useDisclosure(false)
  const [locking, setLocking] = useState(false)
  useIdleLock(status.autoLockMinutes)

  const lock = async () => {
    setLocking(true)
    const result = await api.invoke('vault.lock', {})
    if (result.ok) setStatus(result.value)
    else {
      notifyError(result.error)
      setLocking(false)
    }
  }

  const go = useCallback(
    (next: Section) => {
      setSection(next)
      closeNav()
    },
    [closeNav],
  )
  const openSync = useCallback(() => go('sync'), [go])

  return (
    <RefreshProvider>
      <SelectionProvider>
        <NavigationProvider value={go}>
          <SyncProvider onOpenSync={openSync}>
            <AppShell header={{ height: 64 }} navbar={{ width: NAVBAR_WIDTH, breakpoint: 'sm', collapsed: { mobile: !navOpened } }} padding="xl">
              <AppShell.Header>
                <Group h="100%" wrap="nowrap" gap={0}>
                  <Group w={NAVBAR_WIDTH} px="md" wrap="nowrap" gap="sm" visibleFrom="sm">
                    <Brand />
                  </Group>
                  <Group hiddenFrom="sm" px="md" wrap="nowrap" gap="sm">
                    <Burger opened={navOpened} onClick={toggleNav} size="sm" aria-label="Toggle navigation" />
                    <Brand />
                  </Group>
                  <Group flex={1} px="xl" justify="space-between" wrap="nowrap" gap="md" miw={0}>
                    <ScopeBar />
                    <Tooltip label="Close the vault and forget every key in memory">
                      <Button variant="default" leftSection={<IconLock size={16} />} onClick={lock} loading={locking}>
                        Lock
                      </Button>
                    </Tooltip>
                  </Group>
                </Group>
              </AppShell.Header>

              <AppShell.Navbar p="md">
                <AppShell.Section>
                  <RegionSelector />
                </AppShell.Section>
                <AppShell.Section grow component={ScrollArea} mt="lg" mx="-md" px="md">
                  <Text size="xs" fw={700} c="dimmed" tt="uppercase" mb={6} px="xs">
                    Workspace
                  </Text>
                  <Stack gap={2}>
                    {sections.map(({ id, label, icon: Icon }) => (
                      <NavLink
                        key={id}
                        component="button"
                        label={label}
                        leftSection={<Icon size={18} stroke={1.75} />}
                        rightSection={id === 'sync' ? <ConflictCount /> : undefined}
                        active={section === id}
                        aria-current={section === id ? 'page' : undefined}
                        onClick={() => go(id)}
                        style={{ borderRadius: 'var(--mantine-radius-md)' }}
                      />
                    ))}
                  </Stack>
                </AppShell.Section>
                <AppShell.Section>
                  <VaultFooter />
                </AppShell.Section>
              </AppShell.Navbar>

              <AppShell.Main>
                <Box maw={1200} mx="auto">
                  {section === 'records' && <RecordsView onOpenTopology={() => go('topology')} />}
                  {section === 'keys' && <KeysView onOpenLicences={() => go('licences')} />}
                  {section === 'licences' && <LicencesView />}
                  {section === 'catalog' && <CatalogView />}
                  {section === 'topology' && <TopologyView />}
                  {section === 'audit' && <AuditView />}
                  {section === 'report' && <ReportView onOpen={go} />}
                  {section === 'sync' && <SyncView />}
                  {section === 'settings' && <SettingsView />}
                </Box>
              </AppShell.Main>
            </AppShell>
          </SyncProvider>
        </NavigationProvider>
      </SelectionProvider>
    </RefreshProvider>
  )
}

/** Open sync conflicts, beside "Sync" in the navbar: they wait for the admin. */
function ConflictCount() {
  const { status } = useSync()
  const open = status?.openConflicts ?? 0
  if (open === 0) return null
  return (
    <Badge color="red" variant="filled" size="sm" circle={open < 10} aria-label={`${open} open sync ${open === 1 ? 'conflict' : 'conflicts'}`}>
      {open}
    </Badge>
  )
}

function VaultFooter() {
  const { status } = useVault()
  return (
    <Stack gap={4} pt="sm" style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}>
      <Group gap={6} wrap="nowrap">
        <IconLockOpen size={16} color="var(--mantine-color-teal-7)" aria-hidden />
        <Text size="sm" fw={500}>
          Vault unlocked{status.keychain.enabled ? ' · keychain on' : ''}
        </Text>
      </Group>
      <Text size="xs" c="dimmed">
        {status.autoLockMinutes > 0 ? `Locks after ${status.autoLockMinutes} min without activity.` : 'Auto-lock is off.'}
      </Text>
    </Stack>
  )
}
