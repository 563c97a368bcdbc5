// Baseline for the revocation check: a Fastify app verifying the same tokens with tessera/fastify
// (same verification and cache, no revocation state), beside Tessera's own protected route.
import Fastify from 'fastify'
import { authenticated, tesseraAuth } from 'tessera/fastify'

const app = Fastify({ logger: false })
await app.register(tesseraAuth, { secret: process.env.SECRET, algorithms: ['HS256'] })
app.get('/hello', { preHandler: authenticated }, async () => ({ message: 'Hello, World!' }))
const address = await app.listen({ host: '127.0.0.1', port: 0 })
console.log(`guarded fastify listening on ${address}`)
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
process.once('SIGINT', () => process.exit(0))
