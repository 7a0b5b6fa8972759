import { List, PasswordInput, SegmentedControl, Stack, Text, Textarea } from '@mantine/core'
import { parseRecipientLines } from '../../../shared/age-recipient'
import { PassphraseMeter } from '../vault/passphrase-meter'
import { usePassphraseStrength } from '../vault/use-passphrase-strength'

export interface Protection {
  mode: 'recipients' | 'passphrase'
  recipientsText: string
  passphrase: string
  confirm: string
}

export const DEFAULT_PROTECTION: Protection = { mode: 'recipients', recipientsText: '', passphrase: '', confirm: '' }

export interface ProtectionCheck {
  ready: boolean
  recipients: string[]
}

/** Whether step 2 may go on: valid recipients, or an accepted passphrase typed twice alike. */
export function checkProtection(p: Protection, passphraseAcceptable: boolean): ProtectionCheck {
  if (p.mode === 'recipients') {
    const parsed = parseRecipientLines(p.recipientsText)
    return { ready: parsed.recipients.length > 0 && parsed.problems.length === 0, recipients: parsed.recipients }
  }
  return { ready: passphraseAcceptable && p.passphrase === p.confirm, recipients: [] }
}

/** Step 2: age recipients (checked per line as they are pasted) or a passphrase with its strength. */
export function BundleRecipientsStep({ value, onChange, strength }: { value: Protection; onChange(next: Protection): void; strength: ReturnType<typeof usePassphraseStrength> }) {
  const set = (patch: Partial<Protection>) => onChange({ ...value, ...patch })
  const parsed = parseRecipientLines(value.recipientsText)
  const mismatch = value.confirm.length > 0 && value.confirm !== value.passphrase

  return (
    <Stack gap="md">
      <SegmentedControl
        aria-label="Protect the bundle with"
        value={value.mode}
        onChange={(v) => set({ mode: v as Protection['mode'] })}
        data={[
          { value: 'recipients', label: 'age recipients (age1…)' },
          { value: 'passphrase', label: 'A passphrase' },
        ]}
        fullWidth
      />
      {value.mode === 'recipients' ? (
        <Stack gap={6}>
          <Textarea
            label="Recipients"
            description="The integrator's age public keys, one per line (age-keygen prints one as “Public key: age1…”). Any of them can open the bundle."
            placeholder="age1…"
            value={value.recipientsText}
            onChange={(e) => set({ recipientsText: e.currentTarget.value })}
            autosize
            minRows={3}
            maxRows={8}
            spellCheck={false}
            autoComplete="off"
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            error={parsed.problems.length > 0 ? `${parsed.problems.length === 1 ? 'One line is' : `${parsed.problems.length} lines are`} not an age recipient` : undefined}
            data-autofocus
          />
          {parsed.problems.length > 0 && (
            <List size="sm" spacing={2} c="red.8" aria-label="Recipient problems">
              {parsed.problems.map((p) => (
                <List.Item key={`${p.line}-${p.problem}`}>{p.line > 0 ? `Line ${p.line}: ${p.problem}` : p.problem}</List.Item>
              ))}
            </List>
          )}
          <Text size="sm" c="dimmed" aria-live="polite">
            {parsed.recipients.length === 0 ? 'No recipient yet.' : `${parsed.recipients.length} valid recipient${parsed.recipients.length === 1 ? '' : 's'}.`}
          </Text>
        </Stack>
      ) : (
        <Stack gap="sm">
          <PasswordInput
            label="Bundle passphrase"
            description="The integrator opens the bundle with it (age -d). Send it through another channel than the file."
            value={value.passphrase}
            onChange={(e) => set({ passphrase: e.currentTarget.value })}
            aria-describedby="bundle-strength"
            autoComplete="new-password"
            data-autofocus
          />
          <PassphraseMeter id="bundle-strength" strength={strength.strength} empty={value.passphrase.length === 0} />
          <PasswordInput
            label="Repeat the bundle passphrase"
            value={value.confirm}
            onChange={(e) => set({ confirm: e.currentTarget.value })}
            error={mismatch ? 'The two passphrases differ.' : undefined}
            autoComplete="new-password"
          />
        </Stack>
      )}
    </Stack>
  )
}
