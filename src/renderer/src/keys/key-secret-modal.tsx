import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core'
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react'
import type { ApiKey } from '../../../shared/contract/keys'

export interface IssuedSecret {
  apiKey: ApiKey
  secret: string
  /** "created" after keys.create, "rotated" after keys.rotate (with the old key's grace end). */
  kind: 'created' | 'rotated'
  graceUntil?: string | null
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * The one and only time a new key is on screen. The secret lives in this component's props
 * only: closing the dialog drops it, and nothing else in the renderer keeps it.
 */
export function KeySecretModal({ issued, onClose }: { issued: IssuedSecret | null; onClose(): void }) {
  return (
    <Modal
      opened={issued !== null}
      onClose={onClose}
      title={issued?.kind === 'rotated' ? 'Key rotated' : 'API key created'}
      size={640}
      closeOnClickOutside={false}
    >
      {issued && (
        <Stack gap="md">
          <Text size="sm">
            {issued.kind === 'rotated' ? 'The new key of ' : 'The key '}
            <Text span inherit fw={600}>
              {issued.apiKey.name}
            </Text>
            {' is ready:'}
          </Text>
          <Group gap="xs" wrap="nowrap" align="stretch">
            <Code block flex={1} fz="sm" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} aria-label="New API key" data-testid="issued-secret">
              {issued.secret}
            </Code>
            <CopyButton value={issued.secret} timeout={2000}>
              {({ copied, copy }) => (
                <Button variant={copied ? 'light' : 'filled'} color={copied ? 'teal' : undefined} onClick={copy} leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />} miw={110}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title="This key will not be shown again">
            Copy it now and hand it to the integrator over a safe channel. Keyward keeps it encrypted; revealing or copying it later is possible for an
            admin with the vault open, and every reveal is audited.
          </Alert>
          {issued.kind === 'rotated' && issued.graceUntil && (
            <Text size="sm" c="dimmed">
              The previous key keeps working until {when.format(new Date(issued.graceUntil))}, then it stops verifying.
            </Text>
          )}
          <Group justify="flex-end">
            <Button onClick={onClose}>I have stored the key</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  )
}
