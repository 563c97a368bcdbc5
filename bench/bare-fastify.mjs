// The baseline: a bare Fastify route returning a small JSON, as DESIGN.md's reference figures.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ message: 'Hello, World!' }))
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`bare fastify listening on ${address}`)
process.once('SIGINT', () => process.exit(0))
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
