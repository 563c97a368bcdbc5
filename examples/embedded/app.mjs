// A Fastify app of its own, with Tessera embedded under /api: Tessera's token routes beside the
// app's public and protected routes, its own error handler, and one logger for both.
import Fastify from 'fastify'
import { tessera } from 'tessera/plugin'
import { authenticated, guarded } from 'tessera/fastify'

/**
 * Builds the app (not listening). `settings` is Tessera's settings input, as `buildServer` takes
 * it: `{ env: process.env }` in production, explicit overrides in tests.
 */
export async function buildApp({ settings, logger = true } = {}) {
  const app = Fastify({ logger })

  // The app's own error handler: Tessera's routes keep theirs (an encapsulated scope).
  app.setErrorHandler((error, request, reply) => {
    request.log.warn({ err: error }, 'app route failed')
    reply.code(error.statusCode ?? 500).send({ error: error.message, from: 'app' })
  })

  // Register Tessera before the routes that read `request.user`.
  await app.register(tessera, { prefix: '/api', settings: settings ?? { env: process.env } })

  app.get('/', async () => ({ service: 'shop', login: '/api/token/' }))

  // `guarded` runs the guards first: in TypeScript, `request.user` is then non-null.
  app.get(
    '/orders',
    guarded(authenticated, async (request) => ({
      user: request.user.id,
      roles: request.user.roles,
      orders: [],
    })),
  )

  app.get('/broken', async () => {
    throw Object.assign(new Error('the warehouse is closed'), { statusCode: 409 })
  })

  return app
}
