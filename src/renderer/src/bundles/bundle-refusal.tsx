import { Alert, Text } from '@mantine/core'
import { IconAlertTriangle } from '@tabler/icons-react'
import type { ApiError } from '../api/client'

/** Short titles for the coded refusals of bundles.export / inspect / import; the core's message says the rest. */
const TITLES: Record<string, string> = {
  BUNDLE_RECIPIENT_INVALID: 'Recipient not accepted',
  BUNDLE_WEAK_PASSPHRASE: 'Passphrase too weak',
  BUNDLE_MALFORMED: 'Not a Keyward bundle',
  BUNDLE_BAD_PASSPHRASE: 'Wrong passphrase',
  BUNDLE_NOT_A_RECIPIENT: 'Not encrypted to this identity',
  BUNDLE_TRUNCATED: 'Incomplete file',
  BUNDLE_TAMPERED: 'File altered',
  BUNDLE_SCHEMA_UNSUPPORTED: 'Newer bundle format',
  BUNDLE_BAD_SIGNATURE: 'Signature does not match',
  BUNDLE_WRONG_SIGNER: 'Signed by another key',
  BUNDLE_REPLAYED: 'Already imported',
  BUNDLE_CONFLICT: 'Conflicts with this vault',
  BUNDLE_ITEMS_UNSUPPORTED: 'Items cannot be imported yet',
  PASSPHRASE_REQUIRED: 'Passphrase needed',
  PAYLOAD_TOO_LARGE: 'File too large for this window',
  KEY_NOT_FOUND: 'Key not in this collection',
  KEY_REVOKED: 'Key revoked',
  KEY_ROTATED: 'Key replaced',
  USER_NOT_FOUND: 'Service user not in this collection',
  VAULT_LOCKED: 'Vault locked',
  LICENCE_REQUIRED: 'Master licence needed',
  LICENCE_LIMIT_REACHED: 'No free licence for this client',
  COLLECTION_ALREADY_LICENSED: 'Collection licensed to another client',
  CLIENT_NOT_FOUND: 'Client not found',
  APPLICATION_NOT_FOUND: 'Application kind missing here',
  PERMISSION_UNKNOWN: 'Permission not in this catalog',
  PERMISSION_NOT_IN_KEY: 'Permission not in the key',
  USERNAME_TAKEN: 'Username taken',
  KEY_ALREADY_EXISTS_FOR_APPLICATION: 'Application already has a key',
  IP_RULE_INVALID: 'IP rule not accepted',
  URL_INVALID: 'Public URL not accepted',
}

export function BundleRefusal({ error, nothingChanged = true }: { error: ApiError; nothingChanged?: boolean }) {
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} role="alert" title={TITLES[error.code] ?? 'Refused'}>
      <Text size="sm">{error.message}</Text>
      <Text size="xs" c="dimmed" mt={4}>
        Code {error.code}
        {nothingChanged ? ' · nothing was changed' : ''}
      </Text>
    </Alert>
  )
}
