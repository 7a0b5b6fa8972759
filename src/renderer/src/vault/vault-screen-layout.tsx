import { Box, Card, Center, Stack, Text, Title } from '@mantine/core'
import type { ReactNode } from 'react'
import { Brand } from '../ui/brand'

/** The centred card every screen before the vault opens uses. */
export function VaultScreenLayout({
  title,
  subtitle,
  children,
  footer,
  wide = false,
}: {
  title: string
  subtitle: ReactNode
  children: ReactNode
  footer?: ReactNode
  /** For screens that offer choices side by side. */
  wide?: boolean
}) {
  return (
    <Box component="main" mih="100vh" bg="var(--mantine-color-body)" style={{ backgroundImage: 'radial-gradient(circle at 50% 0%, var(--mantine-color-default-hover), transparent 60%)' }}>
      <Center mih="100vh" p="md">
        <Stack w="100%" maw={wide ? 720 : 460} gap="lg">
          <Center>
            <Brand size="lg" />
          </Center>
          <Card shadow="sm" padding="xl">
            <Stack gap="lg">
              <Stack gap={4}>
                <Title order={1} fz={22}>
                  {title}
                </Title>
                <Text size="sm" c="dimmed">
                  {subtitle}
                </Text>
              </Stack>
              {children}
            </Stack>
          </Card>
          {footer && (
            <Text size="xs" c="dimmed" ta="center">
              {footer}
            </Text>
          )}
        </Stack>
      </Center>
    </Box>
  )
}
