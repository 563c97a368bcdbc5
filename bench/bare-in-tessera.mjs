// The bare baseline's route, in a process that has first built a whole Tessera server (database,
// keys, services, its Fastify app: everything `tessera serve` builds) without listening on it.
// Paired against bare Fastify, it separates what a big process costs Node's own HTTP code from
// what Tessera's request path costs (bench/RESULTS.md, hello-hs256). Settings from TESSERA_* as for
// `tessera serve`.
import Fastify from 'fastify'
import { buildServer } from '../dist/server/build.js'

const tessera = await buildServer()
await tessera.app.ready()
const app = Fastify({ logger: false })
app.get('/hello', async () => ({ message: 'Hello, World!' }))
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`bare fastify in a Tessera process listening on ${address}`)
process.once('SIGINT', () => process.exit(0))
process.once('SIGTERM', () => Promise.all([app.close(), tessera.close()]).then(() => process.exit(0)))
