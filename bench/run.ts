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
// each entry's stores and temp dirs go as soon as it is done, so a later entry (the server's
// load generator, say) does not run in a heap still holding 100 000 keys or users
for (const bench of benches) {
  try {
    for (const result of await bench.run(results)) {
      results.set(result.name, result)
      console.log(JSON.stringify(result))
    }
  } finally {
    await bench.cleanup?.()
  }
}
