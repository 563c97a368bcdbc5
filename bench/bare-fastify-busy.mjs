// The baseline with a known extra cost: bare Fastify's `GET /hello`, each request first spending
// BUSY_US microseconds of CPU in a loop. Paired with bare Fastify, it shows what this instrument
// makes of a fixed cost per request (hello-hs256-distinct reports it beside Tessera's ratio).
import Fastify from 'fastify'

const busyNs = BigInt(Math.round(Number(process.env.BUSY_US ?? 0) * 1000))
const app = Fastify({ logger: false })
app.get('/hello', async () => {
  const end = process.hrtime.bigint() + busyNs
  while (process.hrtime.bigint() < end) {}
  return { message: 'Hello, World!' }
})
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
console.log(`bare fastify listening on ${address}`)
process.once('SIGINT', () => process.exit(0))
process.once('SIGTERM', () => app.close().then(() => process.exit(0)))
