// The defaults scenario's reference line: bare-fastify.mjs's route in a Fastify app with
// `logger: true` (Fastify's own request logging, two pino lines per request to stdout).
import Fastify from 'fastify'

const app = Fastify({ logger: true })
app.get('/hello', async () => ({ message: 'Hello, World!' }))
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`bare fastify with logger listening on ${address}`)
process.once('SIGINT', () => process.exit(0))
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
