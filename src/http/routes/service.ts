import type { FastifyInstance } from 'fastify'
import { JWKS_PATH, PATHS } from '../../protocol/paths.js'
import type { RouteDeps } from '../deps.js'
import { defineRoute } from '../route.js'

/** The demo protected route, the API index, health, readiness and the JWKS document. */
export function serviceRoutes(app: FastifyInstance, deps: RouteDeps, prefix: string): void {
  const { authenticate, keys, database, probes } = deps

  defineRoute(app, authenticate, {
    path: prefix + PATHS.hello,
    authenticated: true,
    handlers: { GET: async () => ({ message: 'Hello, World!' }) },
  })

  const index = Object.fromEntries(Object.entries(PATHS).map(([name, path]) => [name, prefix + path]))
  defineRoute(app, authenticate, {
    path: '/',
    handlers: { GET: async () => ({ name: 'tessera', endpoints: { ...index, jwks: JWKS_PATH } }) },
  })

  defineRoute(app, authenticate, {
    path: '/healthz',
    handlers: { GET: async () => ({ status: 'ok' }) },
  })

  defineRoute(app, authenticate, {
    path: '/readyz',
    handlers: {
      GET: async (_request, reply) => {
        const checks: Record<string, () => Promise<void>> = { database: () => database.ping(), ...probes }
        const results: Record<string, 'ok' | 'unavailable'> = {}
        await Promise.all(
          Object.entries(checks).map(async ([name, check]) => {
            results[name] = await check().then(
              () => 'ok' as const,
              () => 'unavailable' as const,
            )
          }),
        )
        const ready = Object.values(results).every((result) => result === 'ok')
        if (!ready) reply.code(503).header('retry-after', '1')
        return { status: ready ? 'ok' : 'unavailable', checks: results }
      },
    },
  })

  defineRoute(app, authenticate, {
    path: JWKS_PATH,
    handlers: {
      GET: async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300')
        return keys.jwks()
      },
    },
  })
}
