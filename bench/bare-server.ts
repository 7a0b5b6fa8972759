// The bare Fastify route of baseline.http, in a process of its own like the Keyward server it
// is compared with (bench/server.ts starts it). Prints its URL, then serves until killed.
import Fastify from 'fastify'

const bare = Fastify({ logger: false })
bare.post('/constant', async () => ({ ok: true, value: { code: 'VALID' } }))
const url = await bare.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`listening ${url}\n`)
// a clean exit on SIGTERM (how bench/server.ts stops it), so exit hooks such as --cpu-prof run
process.once('SIGTERM', () => void bare.close().then(() => process.exit(0)))
