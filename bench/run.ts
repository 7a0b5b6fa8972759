/**
 * `npm run bench`: one JSON object per line. To add an entry, write bench/<domain>.ts
 * exporting a `Bench` and list it below; entries run in order and later ones can compare
 * themselves with earlier results (baselines first).
 */
import { baselineBench } from './baseline'
import type { Bench, BenchResult } from './harness'
import { keysBench } from './keys'
import { offlineBench } from './offline'
import { recordsBench } from './records'
import { serverBench } from './server'
import { syncClientBench } from './sync-client'

const only = process.env.KEYWARD_BENCH?.split(',')
const all: [string, Bench][] = [
  ['baseline', baselineBench],
  ['keys', keysBench],
  ['records', recordsBench],
  ['server', serverBench],
  ['offline', offlineBench],
  ['syncClient', syncClientBench],
]
const benches: Bench[] = all.filter(([name]) => !only || only.includes(name)).map(([, bench]) => bench)

const results = new Map<string, BenchResult>()
try {
  for (const bench of benches) {
    for (const result of await bench.run(results)) {
      results.set(result.name, result)
      console.log(JSON.stringify(result))
    }
  }
} finally {
  for (const bench of benches) await bench.cleanup?.()
}
