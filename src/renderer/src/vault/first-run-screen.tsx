import { Button, Card, Group, List, SimpleGrid, Stack, Text, ThemeIcon } from '@mantine/core'
import { IconBuildingCommunity, IconSeeding } from '@tabler/icons-react'
import { useState } from 'react'
import { api } from '../api/client'
import { notifyDone, notifyError } from '../ui/notify'
import { VaultScreenLayout } from './vault-screen-layout'

/** Issue item 9: right after the passphrase is set, start empty or with a populated sample. */
export function FirstRunScreen({ onDone }: { onDone(): void }) {
  const [loading, setLoading] = useState(false)

  const loadSample = async () => {
    setLoading(true)
    const result = await api.invoke('sample.load', {})
    if (result.ok) {
      const s = result.value
      notifyDone(`Sample organisation loaded: ${s.regions} regions, ${s.collections} collections, ${s.clients} clients, ${s.keys} keys, ${s.users} service users.`)
      onDone()
    } else {
      notifyError(result.error, 'Could not load the sample organisation')
      setLoading(false)
    }
  }

  return (
    <VaultScreenLayout
      title="Your vault is ready"
      subtitle="Start with an empty vault for your own organisation, or look around first in a sample one. You can delete the sample’s items later like any others."
      wide
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Card padding="lg">
          <Stack gap="sm" h="100%">
            <ThemeIcon size={40} radius="md" variant="light" color="gray" aria-hidden>
              <IconSeeding size={22} />
            </ThemeIcon>
            <Text fw={650}>Start empty</Text>
            <Text size="sm" c="dimmed" flex={1}>
              Add your regions, database servers and collections, then your clients, their master licences and keys.
            </Text>
            <Button variant="default" onClick={onDone} disabled={loading}>
              Start empty
            </Button>
          </Stack>
        </Card>
        <Card padding="lg">
          <Stack gap="sm" h="100%">
            <ThemeIcon size={40} radius="md" variant="light" aria-hidden>
              <IconBuildingCommunity size={22} />
            </ThemeIcon>
            <Text fw={650}>Load a sample organisation</Text>
            <List size="sm" c="dimmed" spacing={2} flex={1}>
              <List.Item>3 regions with servers and collections</List.Item>
              <List.Item>Blue, Gold and Platinum clients with licences</List.Item>
              <List.Item>Keys for each application, some rotated or revoked</List.Item>
              <List.Item>Service users with and without 2FA, and tokens</List.Item>
            </List>
            <Group grow>
              <Button onClick={loadSample} loading={loading}>
                Load a sample organisation
              </Button>
            </Group>
          </Stack>
        </Card>
      </SimpleGrid>
    </VaultScreenLayout>
  )
}
