import { Anchor, Badge, Button, Card, Code, Group, NumberInput, Stack, Table, Text } from '@mantine/core'
import { IconReportAnalytics } from '@tabler/icons-react'
import { useState } from 'react'
import type { MethodOutput } from '../../../shared/contract'
import { api } from '../api/client'
import { PageHeader } from '../ui/page-header'
import { notifyError } from '../ui/notify'

type Report = MethodOutput<'audit.report'>['report']
type Finding = Report['findings'][number]

const SEVERITY_COLOR: Record<Finding['severity'], string> = { critical: 'red', high: 'orange', medium: 'yellow', low: 'blue', info: 'gray' }

/** Which section of the workspace a finding's fix route opens. */
export type FixTarget = 'records' | 'topology' | 'audit'
export function fixTarget(route: string): FixTarget {
  if (route.startsWith('/keys/') || route.startsWith('/users/')) return 'records'
  if (route.startsWith('/audit')) return 'audit'
  return 'topology'
}

/**
 * The offline audit in the app: the same findings as `keyward audit report`, each with the
 * place to fix it. Running it is an explicit, audited action (the report is signed).
 */
export function ReportView({ onOpen }: { onOpen(target: FixTarget): void }) {
  const [expiring, setExpiring] = useState<number>(30)
  const [unused, setUnused] = useState<number>(90)
  const [running, setRunning] = useState(false)
  const [report, setReport] = useState<Report | null>(null)

  const run = async () => {
    setRunning(true)
    const result = await api.invoke('audit.report', { formats: ['json'], expiringWithinDays: expiring, unusedForDays: unused })
    setRunning(false)
    if (result.ok) setReport(result.value.report)
    else notifyError(result.error, 'The audit report could not be made')
  }

  return (
    <Stack gap="lg">
      <PageHeader
        title="Audit report"
        description="Keys past rotation or expiring, unused keys, open IP rules, over-broad permissions, licence mismatches, service users without 2FA, and the audit chain, from this vault alone."
        actions={
          <Button leftSection={<IconReportAnalytics size={16} />} onClick={run} loading={running}>
            Run audit
          </Button>
        }
      />
      <Group gap="md" align="end">
        <NumberInput label="Expiring within (days)" min={1} max={3650} value={expiring} onChange={(v) => setExpiring(typeof v === 'number' ? v : 30)} w={180} />
        <NumberInput label="Unused for (days)" min={1} max={3650} value={unused} onChange={(v) => setUnused(typeof v === 'number' ? v : 90)} w={180} />
      </Group>
      {report && (
        <Card withBorder padding="md">
          <Stack gap="sm">
            <Group gap="xs">
              <Text fw={600}>{report.summary.total} findings</Text>
              {(['critical', 'high', 'medium', 'low', 'info'] as const).map((sev) => (
                <Badge key={sev} color={SEVERITY_COLOR[sev]} variant="light">
                  {report.summary.bySeverity[sev] ?? 0} {sev}
                </Badge>
              ))}
            </Group>
            <Table verticalSpacing="sm" aria-label="Findings">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Severity</Table.Th>
                  <Table.Th>Finding</Table.Th>
                  <Table.Th>How to fix</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.findings.map((f) => (
                  <Table.Tr key={f.id}>
                    <Table.Td w={110}>
                      <Badge color={SEVERITY_COLOR[f.severity]} styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}>
                        {f.severity}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text fw={600} size="sm">
                        {f.title}
                      </Text>
                      <Text size="sm">{f.detail}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {f.fix.text}
                      </Text>
                      {f.fix.route && (
                        <Anchor component="button" size="sm" onClick={() => onOpen(fixTarget(f.fix.route!))}>
                          Open <Code>{f.fix.route}</Code>
                        </Anchor>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        </Card>
      )}
    </Stack>
  )
}
