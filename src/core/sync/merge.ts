/**
 * The merge rule of sync (DESIGN §6), one pure function shared by the remote instance, the
 * desktop sync client and the property tests, so every replica decides alike.
 *
 * Per field, last-writer-wins by HLC (string order; equal stamps broken by the value's JSON
 * so the choice never depends on arrival order), with two absorbing values:
 *   - `status = 'revoked'` beats any other status whatever its stamp: revoked is terminal;
 *   - a non-null `deleted_at` beats null: a tombstone is never lifted by an edit.
 * That is a maximum over one total order (rank, stamp, value), so the rule is commutative, associative and idempotent (a join semilattice), which is what
 * makes replicas converge whatever order operations arrive in, and however often.
 */
export interface Stamped<V = unknown> {
  value: V
  hlc: string
}

/** 1 for values that absorb every other value of their field. */
function rank(field: string, value: unknown): number {
  if (field === 'status') return value === 'revoked' ? 1 : 0
  if (field === 'deleted_at' || field === 'revoked_at') return value === null || value === undefined ? 0 : 1
  return 0
}

const json = (v: unknown) => JSON.stringify(v ?? null)

/** Whether `a` wins over `b` for this field. */
export function beats(field: string, a: Stamped, b: Stamped): boolean {
  const ra = rank(field, a.value)
  const rb = rank(field, b.value)
  if (ra !== rb) return ra > rb
  if (a.hlc !== b.hlc) return a.hlc > b.hlc
  return json(a.value) > json(b.value)
}

/** The merged state of a field; `changed` says whether it differs from `current`. */
export function mergeField<V>(field: string, current: Stamped<V> | undefined, incoming: Stamped<V>): { next: Stamped<V>; changed: boolean } {
  if (!current) return { next: { value: incoming.value, hlc: incoming.hlc }, changed: true }
  if (!beats(field, incoming, current)) return { next: current, changed: false }
  return { next: { value: incoming.value, hlc: incoming.hlc }, changed: true }
}
