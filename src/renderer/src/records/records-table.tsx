import { ActionIcon, Badge, Box, Group, Menu, Skeleton, Text, Tooltip, UnstyledButton } from '@mantine/core'
import { IconApi, IconArrowsSort, IconDots, IconFileCode, IconHistory, IconKey, IconPencil, IconPlayerPause, IconPlayerPlay, IconSortAscending, IconSortDescending, IconTrash } from '@tabler/icons-react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useRef } from 'react'
import type { RecordRow, RecordSortField } from '../../../shared/contract/records'
import { KeySecret } from './key-secret'
import classes from './records-table.module.css'
import type { RecordPages } from './use-record-pages'

export type RecordAction = 'rest' | 'soap' | 'token' | 'history' | 'edit' | 'toggle-status' | 'delete'

const ROW_HEIGHT = 60
const KEY_STATUS_COLOR: Record<RecordRow['keyStatus'], string> = { active: 'teal', inactive: 'gray', revoked: 'red', expired: 'orange', deleted: 'red' }

interface Column {
  label: string
  sort?: RecordSortField
}
const COLUMNS: Column[] = [{ label: 'UserName', sort: 'username' }, { label: 'Client ID', sort: 'clientId' }, { label: 'X-API Key', sort: 'keyName' }, { label: 'Operations' }]

/**
 * Seed 003's records table, virtualised: only the rows on screen exist in the DOM, and their
 * pages are fetched as they scroll into view, so 100 000 users scroll like 100.
 */
export function RecordsTable({
  pages,
  sort,
  onSort,
  onAction,
}: {
  pages: RecordPages
  sort: { field: RecordSortField; dir: 'asc' | 'desc' }
  onSort(field: RecordSortField): void
  onAction(action: RecordAction, row: RecordRow): void
}) {
  const scroller = useRef<HTMLDivElement>(null)
  const total = pages.total ?? 0
  // The virtualizer re-measures on every render by design; this component is not memoised.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({ count: total, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 })
  const items = virtualizer.getVirtualItems()
  const first = items[0]?.index ?? 0
  const last = items[items.length - 1]?.index ?? 0
  const { want } = pages
  useEffect(() => {
    if (total > 0) want(first, last)
  }, [want, first, last, total])
  // A new query starts at the top.
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 })
  }, [sort.field, sort.dir])

  return (
    <Box className={classes.table} role="table" aria-label="Records" aria-rowcount={total + 1}>
      <div role="rowgroup">
        <div role="row" className={`${classes.row} ${classes.head}`} aria-rowindex={1}>
          {COLUMNS.map((column) => {
            const active = column.sort && sort.field === column.sort
            return (
              <div key={column.label} role="columnheader" className={classes.cell} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : column.sort ? 'none' : undefined}>
                {column.sort ? (
                  <UnstyledButton className={classes.sort} onClick={() => onSort(column.sort!)} aria-label={`Sort by ${column.label}`}>
                    <Text size="sm" fw={700}>
                      {column.label}
                    </Text>
                    {active ? sort.dir === 'asc' ? <IconSortAscending size={16} aria-hidden /> : <IconSortDescending size={16} aria-hidden /> : <IconArrowsSort size={16} aria-hidden opacity={0.45} />}
                  </UnstyledButton>
                ) : (
                  <Text size="sm" fw={700}>
                    {column.label}
                  </Text>
                )}
              </div>
            )
          })}
        </div>
      </div>
      <div ref={scroller} className={classes.scroller} data-testid="records-scroller">
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const row = pages.row(item.index)
            return (
              <div
                key={row?.userId ?? `loading-${item.index}`}
                role="row"
                aria-rowindex={item.index + 2}
                data-last={item.index === total - 1 || undefined}
                className={classes.row}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              >
                {row ? <RecordCells row={row} onAction={onAction} /> : <LoadingCells />}
              </div>
            )
          })}
        </div>
      </div>
    </Box>
  )
}

function LoadingCells() {
  return (
    <>
      {COLUMNS.map((c) => (
        <div key={c.label} role="cell" className={classes.cell}>
          <Skeleton height={12} width="70%" />
        </div>
      ))}
    </>
  )
}

function RecordCells({ row, onAction }: { row: RecordRow; onAction(action: RecordAction, row: RecordRow): void }) {
  const ops = row.operations
  const act = (action: RecordAction) => () => onAction(action, row)
  return (
    <>
      <div role="cell" className={classes.cell}>
        <Group gap={6} wrap="nowrap" miw={0}>
          <Text size="sm" fw={600} truncate title={row.username}>
            {row.username}
          </Text>
          {row.status === 'inactive' && (
            <Badge size="xs" color="gray" variant="light">
              inactive
            </Badge>
          )}
          {row.authMethod === 'password_totp' && (
            <Badge size="xs" color="indigo" variant="light">
              2FA
            </Badge>
          )}
          {!row.passwordSet && (
            <Tooltip label="No password yet (imported from a bundle): set one under Edit service user before generating tokens" withArrow>
              <Badge size="xs" color="orange" variant="dot" style={{ flexShrink: 0 }}>
                no password
              </Badge>
            </Tooltip>
          )}
        </Group>
      </div>
      <div role="cell" className={classes.cell}>
        <Text size="sm" ff="monospace" truncate>
          {row.clientId}
        </Text>
      </div>
      <div role="cell" className={classes.cell}>
        <Group gap={6} wrap="nowrap" miw={0}>
          <KeySecret keyId={row.keyId} hint={row.keyHint} label={row.username} size="xs" />
          {row.keyStatus !== 'active' && (
            <Badge size="xs" color={KEY_STATUS_COLOR[row.keyStatus]} variant="dot">
              key {row.keyStatus}
            </Badge>
          )}
          {row.keyStatus === 'active' && !ops.rotate && (
            <Badge size="xs" color="yellow" variant="dot">
              key rotated
            </Badge>
          )}
        </Group>
      </div>
      <div role="cell" className={classes.cell}>
        <Group gap={2} wrap="nowrap">
          <Op label={`REST permissions (${row.restPermissionCount})`} aria={`REST permissions of ${row.username}`} onClick={act('rest')} icon={<IconApi size={18} />} />
          <Op label={`SOAP permissions (${row.soapPermissionCount})`} aria={`SOAP permissions of ${row.username}`} onClick={act('soap')} icon={<IconFileCode size={18} />} />
          <Op
            label={ops.generateToken ? 'Generate token' : !row.passwordSet ? 'Generate token — set a password first' : 'Generate token — the user or its key is not active'}
            aria={`Generate token for ${row.username}`}
            onClick={act('token')}
            icon={<IconKey size={18} />}
            disabled={!ops.generateToken}
          />
          <Op label={ops.viewMore ? 'View more: previous tokens' : 'View more — no token issued yet'} aria={`View tokens of ${row.username}`} onClick={act('history')} icon={<IconHistory size={18} />} disabled={!ops.viewMore} />
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label={`More actions for ${row.username}`}>
                <IconDots size={18} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconPencil size={16} />} onClick={act('edit')}>
                Edit service user
              </Menu.Item>
              <Menu.Item leftSection={row.status === 'active' ? <IconPlayerPause size={16} /> : <IconPlayerPlay size={16} />} onClick={act('toggle-status')}>
                {row.status === 'active' ? 'Disable user' : 'Enable user'}
              </Menu.Item>
              <Menu.Divider />
              <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={act('delete')}>
                Delete user…
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </div>
    </>
  )
}

function Op({ label, aria, icon, onClick, disabled }: { label: string; aria: string; icon: React.ReactNode; onClick(): void; disabled?: boolean }) {
  return (
    <Tooltip label={label}>
      <ActionIcon variant="subtle" color="blue" aria-label={aria} onClick={onClick} disabled={disabled} data-disabled={disabled || undefined}>
        {icon}
      </ActionIcon>
    </Tooltip>
  )
}
