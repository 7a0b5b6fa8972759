/**
 * Hybrid logical clock. Stamps are fixed-width strings that sort in causal order:
 * `<ms since epoch, 13 digits>-<counter, 5 digits>-<node id>`. Sync compares them as strings.
 */
export interface Hlc {
  now(): string
  /** Merge a stamp seen from another node so the next local stamp is after it. */
  receive(stamp: string): void
}

const STAMP = /^(\d{13})-(\d{5})-([0-9a-f-]+)$/

export function parseStamp(stamp: string): { wall: number; counter: number; node: string } {
  const m = STAMP.exec(stamp)
  if (!m) throw new Error('Malformed HLC stamp')
  return { wall: Number(m[1]), counter: Number(m[2]), node: m[3]! }
}

export function formatStamp(wall: number, counter: number, node: string): string {
  return `${String(wall).padStart(13, '0')}-${String(counter).padStart(5, '0')}-${node}`
}

export function createHlc(node: string, clock: () => number = Date.now): Hlc {
  let wall = 0
  let counter = 0
  return {
    now() {
      const physical = clock()
      if (physical > wall) {
        wall = physical
        counter = 0
      } else {
        counter += 1
      }
      return formatStamp(wall, counter, node)
    },
    receive(stamp) {
      const remote = parseStamp(stamp)
      const physical = clock()
      const next = Math.max(wall, remote.wall, physical)
      if (next === wall && next === remote.wall) counter = Math.max(counter, remote.counter) + 1
      else if (next === wall) counter += 1
      else if (next === remote.wall) counter = remote.counter + 1
      else counter = 0
      wall = next
    },
  }
}
