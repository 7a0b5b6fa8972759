import { useEffect, useState } from 'react'
import { api } from '../api/client'

export interface EntityRef {
  entity: string
  entityId: string
}

/** A name for each referenced row, asked of the domain that owns it; unknown rows get none. */
async function labelOf({ entity, entityId }: EntityRef): Promise<string | null> {
  switch (entity) {
    case 'api_keys': {
      const r = await api.invoke('keys.get', { id: entityId })
      return r.ok ? r.value.name : null
    }
    case 'service_users': {
      const r = await api.invoke('users.get', { id: entityId })
      return r.ok ? r.value.username : null
    }
    case 'clients': {
      const r = await api.invoke('clients.get', { id: entityId })
      return r.ok ? r.value.name : null
    }
    case 'licences': {
      const licence = await api.invoke('licences.get', { id: entityId })
      if (!licence.ok) return null
      const client = await api.invoke('clients.get', { id: licence.value.clientId })
      return client.ok ? `Licence of ${client.value.name}` : null
    }
    default:
      return null
  }
}

const refKey = (ref: EntityRef) => `${ref.entity}:${ref.entityId}`

/**
 * Labels for conflicts, which name rows by id only. `refs` is compared by content, so a new
 * array with the same rows asks nothing again.
 */
export function useEntityLabels(refs: EntityRef[]): Map<string, string> {
  const wanted = [...new Set(refs.map(refKey))].sort().join(',')
  const [labels, setLabels] = useState(() => new Map<string, string>())

  useEffect(() => {
    if (!wanted) return
    let current = true
    const list = wanted.split(',').map((key) => {
      const [entity = '', entityId = ''] = key.split(':')
      return { entity, entityId }
    })
    void Promise.all(list.map(async (ref) => [refKey(ref), await labelOf(ref)] as const)).then((pairs) => {
      if (!current) return
      setLabels(new Map(pairs.filter((p): p is readonly [string, string] => p[1] !== null)))
    })
    return () => {
      current = false
    }
  }, [wanted])

  return labels
}

export const labelKey = refKey
