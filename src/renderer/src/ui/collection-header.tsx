import { Breadcrumbs, Text } from '@mantine/core'
import type { ReactNode } from 'react'
import { PageHeader } from './page-header'

/** A section of one collection: its title, where the collection is (region › server › collection) and its actions. */
export function CollectionHeader({ title, place, actions }: { title: string; place: { region: string; server: string; collection: string }; actions?: ReactNode }) {
  return (
    <PageHeader
      title={title}
      description={
        <Breadcrumbs separator="›" component="span" fz="sm">
          <Text span size="sm" c="dimmed">
            {place.region}
          </Text>
          <Text span size="sm" c="dimmed">
            {place.server}
          </Text>
          <Text span size="sm" fw={600}>
            {place.collection}
          </Text>
        </Breadcrumbs>
      }
      actions={actions}
    />
  )
}
