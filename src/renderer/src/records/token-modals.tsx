import { ActionIcon, Alert, Badge, Button, Code, Group, Loader, Modal, PasswordInput, PinInput, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core'
import { modals } from '@mantine/modals'
import { IconAlertTriangle, IconBan, IconCopy, IconKey } from '@tabler/icons-react'
import { useState } from 'react'
import type { RecordRow } from '../../../shared/contract/records'
import type { TokenInfo } from '../../../shared/contract/tokens'
import { api, ApiError } from '../api/client'
import { useApiQuery } from '../api/use-api-query'
import { notifyDone, notifyError } from '../ui/notify'
import { AlertTitle, copySecret } from './key-secret'

const when = (iso: string) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

async function copyToken(token: string) {
  try {
    await copySecret(token, 'Token')
  } catch (error) {
    notifyError(error, 'Could not copy the token')
  }
}

/** Seed 003's "Generate token": username and client ID shown, password (+ TOTP) asked, the JWT shown once here. */
export function GenerateTokenModal({ row, onClose }: { row: RecordRow; onClose(): void }) {
  const [password, setPassword] = useState('')
  const [totp, setTotp] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [issued, setIssued] = useState<{ token: string; info: TokenInfo } | null>(null)
  const needsTotp = row.authMethod === 'password_totp'

  const generate = async (event: React.FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    const result = await api.invoke('tokens.generate', { userId: row.userId, clientId: row.clientId, password, totp: needsTotp ? totp : undefined })
    setBusy(false)
    if (!result.ok) return setError(new ApiError(result.error))
    setIssued({ token: result.value.token, info: result.value.info })
    setPassword('')
    setTotp('')
  }

  const passwordError = error && (error.code === 'TOKEN_BAD_CREDENTIALS' || error.code === 'TOKEN_RATE_LIMITED') ? `${error.message} (${error.code})` : undefined
  const totpError = error && error.code === 'TOKEN_TOTP_REQUIRED' ? `${error.message} (${error.code})` : undefined
  const otherError = error && !passwordError && !totpError ? error : null

  return (
    <Modal opened onClose={onClose} closeButtonProps={{ 'aria-label': 'Close' }} size="lg" title="Generate token">
      <Stack gap="md">
        <Group gap="xl">
          <TextInput label="Username" value={row.username} readOnly variant="filled" flex={1} />
          <TextInput label="Client ID" value={row.clientId} readOnly variant="filled" flex={1} />
        </Group>
        {issued ? (
          <Stack gap="sm">
            <Alert color="teal" icon={<IconKey size={18} />} title={<AlertTitle>Token issued</AlertTitle>}>
              Send it as <Code>Authorization: Bearer …</Code>. It expires {when(issued.info.expiresAt)}; it can be shown again under View more.
            </Alert>
            <Group gap="xs" align="flex-start" wrap="nowrap">
              <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', flex: 1 }} aria-label="Token">
                {issued.token}
              </Code>
              <Tooltip label="Copy the token (cleared from the clipboard after 30 s)">
                <ActionIcon variant="light" size="lg" aria-label="Copy token" onClick={() => copyToken(issued.token)}>
                  <IconCopy size={18} />
                </ActionIcon>
              </Tooltip>
            </Group>
            <Text size="sm" c="dimmed">
              Expires {when(issued.info.expiresAt)} · scopes: {issued.info.scope.length ? issued.info.scope.join(', ') : 'none'}
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setIssued(null)}>
                Generate another
              </Button>
              <Button onClick={onClose}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <form onSubmit={generate}>
            <Stack gap="md">
              <PasswordInput label="Password" description="The service user's password, as the integration would send it." value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={passwordError} required data-autofocus autoComplete="off" />
              {needsTotp && (
                <Stack gap={4}>
                  <Text size="sm" fw={500} id="totp-label">
                    Authenticator code
                  </Text>
                  <PinInput length={6} type="number" oneTimeCode value={totp} onChange={setTotp} error={!!totpError} aria-label="Authenticator code" />
                  {totpError && (
                    <Text size="xs" c="red">
                      {totpError}
                    </Text>
                  )}
                </Stack>
              )}
              {otherError && (
                <Alert color="red" icon={<IconAlertTriangle size={18} />} title={otherError.code}>
                  {otherError.message}
                </Alert>
              )}
              <Group justify="flex-end">
                <Button variant="default" onClick={onClose}>
                  Cancel
                </Button>
                <Button type="submit" loading={busy} disabled={!password || (needsTotp && totp.length < 6)}>
                  Generate token
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Modal>
  )
}

const STATUS_COLOR = { valid: 'teal', expired: 'gray', revoked: 'red' } as const

/** Seed 003's "View more": the tokens issued to a user, newest first, with copy and revoke. */
export function TokenHistoryModal({ row, onClose }: { row: RecordRow; onClose(): void }) {
  const history = useApiQuery('tokens.history', { userId: row.userId, limit: 50 }, ['tokens'])

  const copy = async (id: string) => {
    const result = await api.invoke('tokens.reveal', { id })
    if (!result.ok) return notifyError(result.error, 'Could not copy the token')
    await copyToken(result.value.token)
  }
  const revoke = (token: TokenInfo) =>
    modals.openConfirmModal({
      title: 'Revoke this token?',
      children: (
        <Text size="sm">
          The token issued {when(token.issuedAt)} to {row.username} stops working at once, for good. The integration needs a new token.
        </Text>
      ),
      labels: { confirm: 'Revoke token', cancel: 'Keep it' },
      confirmProps: { color: 'red' },
      onConfirm: async () => {
        const result = await api.invoke('tokens.revoke', { id: token.id, reason: 'Revoked from the records screen' })
        if (!result.ok) return notifyError(result.error, 'Could not revoke the token')
        notifyDone('Token revoked.')
        history.reload()
      },
    })

  return (
    <Modal opened onClose={onClose} closeButtonProps={{ 'aria-label': 'Close' }} size="xl" title={`Tokens of ${row.username}`}>
      <Text size="sm" c="dimmed" mb="sm">
        Client ID <Code>{row.clientId}</Code> · newest first
      </Text>
      {!history.data ? (
        <Group justify="center" py="xl">
          <Loader size="sm" aria-label="Loading tokens" />
        </Group>
      ) : history.data.length === 0 ? (
        <Text size="sm" c="dimmed" py="lg" ta="center">
          No token was issued to this user yet. Use Generate token in the Operations column.
        </Text>
      ) : (
        <Table striped highlightOnHover verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Issued</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Scopes</Table.Th>
              <Table.Th w={96}>
                <Text size="sm" fw={700} style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
                  Actions
                </Text>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {history.data.map((token) => (
              <Table.Tr key={token.id}>
                <Table.Td>{when(token.issuedAt)}</Table.Td>
                <Table.Td>{when(token.expiresAt)}</Table.Td>
                <Table.Td>
                  <Badge color={STATUS_COLOR[token.status]} variant="dot">
                    {token.status}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {token.scope.length}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Tooltip label="Copy this token (cleared from the clipboard after 30 s)">
                      <ActionIcon variant="subtle" color="gray" aria-label={`Copy token issued ${when(token.issuedAt)}`} onClick={() => copy(token.id)} disabled={token.status !== 'valid'}>
                        <IconCopy size={16} />
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label="Revoke this token">
                      <ActionIcon variant="subtle" color="red" aria-label={`Revoke token issued ${when(token.issuedAt)}`} onClick={() => revoke(token)} disabled={token.status !== 'valid'}>
                        <IconBan size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Modal>
  )
}
