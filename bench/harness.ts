/**
 * A tiny benchmark harness: every entry prints ONE JSON line
 * {"name","ops_per_s","p50_us","p99_us",…}. Targets live here, in benchmarks, never in
 * timed tests (DESIGN §8).
 */

export interface BenchResult {
  name: string
  ops_per_s: number
  p50_us: number
  p99_us: number
  ops: number
  [extra: string]: unknown
}

export interface Bench {
  /** Runs after the earlier entries of the same run, and may use their results (baselines). */
  run(previous: ReadonlyMap<string, BenchResult>): Promise<BenchResult[]> | BenchResult[]
  /** Called right after the entry ran, even if it failed (close stores, remove temp dirs). */
  cleanup?(): Promise<void> | void
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * Times `ops` calls of `op(i)` one by one (for percentiles) after `warmup` calls, in
 * `rounds` equal rounds. ops/s is the best round's rate: on a shared build machine other
 * processes steal whole time slices, and the best round is the one they disturbed least
 * (every entry is judged the same way, so ratios stay fair). Percentiles use every sample.
 */
export function measure(name: string, ops: number, op: (i: number) => unknown, options: { warmup?: number; rounds?: number } = {}): BenchResult {
  return measureInterleaved([{ name, op }], ops, options)[0]!
}

/**
 * Like `measure` for several operations whose speeds are compared: their rounds alternate
 * (A, B, A, B, …) so a busy spell of the machine, a garbage collection of the same heap or a
 * CPU frequency change falls on all of them alike, and a ratio of their best rounds is a
 * ratio measured under the same conditions.
 */
export function measureInterleaved(entries: { name: string; op: (i: number) => unknown }[], ops: number, options: { warmup?: number; rounds?: number } = {}): BenchResult[] {
  const warmup = options.warmup ?? Math.min(ops, 10_000)
  const rounds = options.rounds ?? 10
  const perRound = Math.ceil(ops / rounds)
  let sink = 0
  const state = entries.map(({ name, op }) => {
    for (let i = 0; i < warmup; i++) sink ^= op(i) === undefined ? 0 : 1
    return { name, op, samples: new Float64Array(perRound * rounds), best: 0, total: 0, n: 0 }
  })
  for (let r = 0; r < rounds; r++) {
    for (const e of state) {
      const started = performance.now()
      for (let k = 0; k < perRound; k++, e.n++) {
        const t0 = performance.now()
        sink ^= e.op(e.n) === undefined ? 0 : 1
        e.samples[e.n] = performance.now() - t0
      }
      const elapsed = performance.now() - started
      e.total += elapsed
      e.best = Math.max(e.best, perRound / elapsed)
    }
  }
  if (sink === 42) console.error('') // keeps the results observable so nothing is optimised away
  return state.map((e) => {
    e.samples.sort()
    return {
      name: e.name,
      ops_per_s: Math.round(e.best * 1000),
      p50_us: round(percentile(e.samples, 50) * 1000),
      p99_us: round(percentile(e.samples, 99) * 1000),
      ops: e.n,
      mean_ops_per_s: Math.round((e.n / e.total) * 1000),
      rounds,
    }
  })
}

/** Same for async operations (stores, transports). */
export async function measureAsync(name: string, ops: number, op: (i: number) => Promise<unknown>, options: { warmup?: number } = {}): Promise<BenchResult> {
  const warmup = options.warmup ?? Math.min(ops, 100)
  for (let i = 0; i < warmup; i++) await op(i)
  const samples = new Float64Array(ops)
  const started = performance.now()
  for (let i = 0; i < ops; i++) {
    const t0 = performance.now()
    await op(warmup + i)
    samples[i] = performance.now() - t0
  }
  const elapsedMs = performance.now() - started
  samples.sort()
  return { name, ops_per_s: Math.round((ops / elapsedMs) * 1000), p50_us: round(percentile(samples, 50) * 1000), p99_us: round(percentile(samples, 99) * 1000), ops }
}

/** Adds the target and whether it was met, as the issue states it. */
export function withTarget(result: BenchResult, target: string, met: boolean, extra: Record<string, unknown> = {}): BenchResult {
  return { ...result, target, met, ...extra }
}
