import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { JWKS_PATH, PATHS } from '@tessera/protocol'
import type { RouteDeps } from '../deps.js'
import {
  ApiIndexSchema,
  described,
  HealthSchema,
  HelloSchema,
  JwksSchema,
  ReadinessSchema,
} from '../openapi/schemas.js'
import { defineRoute } from '../route.js'
import type { DemoPage } from './demo-page.js'

/**
 * How long a readiness probe may take, ms: one that has not answered by then (a dependency that
 * stopped answering behind an open connection) counts as unavailable, so `/readyz` itself answers
 * within about this long and a load balancer's check never hangs.
 */
const PROBE_TIMEOUT_MS = 2000

/** Runs one readiness probe: `ok`, or `unavailable` when it fails or outlasts its timeout. */
function check(probe: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  return new Promise((resolve) => {
    const late = setTimeout(() => resolve('unavailable'), PROBE_TIMEOUT_MS)
    probe()
      .then(
        () => resolve('ok'),
        () => resolve('unavailable'),
      )
      .finally(() => clearTimeout(late))
  })
}

/**
 * The demo protected route (with the demo page, `SERVE_DEMO`), the API index, health, readiness
 * and the JWKS document.
 */
export function serviceRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  /** Where the API routes and the scope's root are as clients see them, for the index. */
  links: { readonly api: string; readonly root: string },
  demo?: DemoPage,
): void {
  const { authenticate, keys, database, probes } = deps

  if (deps.settings.SERVE_DEMO === true) {
    defineRoute(app, authenticate, {
      path: prefix + PATHS.hello,
      authenticated: true,
      // Synchronous: with the token and the user in memory, the whole request runs without a
      // promise (route.ts, Handler).
      handlers: { GET: () => ({ message: 'Hello, World!' }) },
      docs: {
        GET: {
          operationId: 'hello',
          tags: ['demo'],
          summary: 'A protected route',
          description: "The reference deployment's protected view, for the demo page (SERVE_DEMO).",
          responses: { 200: described(HelloSchema, 'The greeting.') },
        },
      },
    })
  }

  const index = Object.fromEntries(
    Object.entries(PATHS)
      .filter(([name]) => name !== 'hello' || deps.settings.SERVE_DEMO === true)
      .map(([name, path]) => [name, links.api + path]),
  )
  defineRoute(app, authenticate, {
    path: '/',
    handlers: {
      // Browsers get the demo page; API clients the JSON index.
      GET: async (request, reply) =>
        demo?.serveIndex(request, reply)
          ? reply
          : { name: 'tessera', endpoints: { ...index, jwks: links.root + JWKS_PATH } },
    },
    docs: {
      GET: {
        operationId: 'apiIndex',
        tags: ['service'],
        summary: 'The API index',
        description:
          'The endpoints by name, as JSON; browsers asking for HTML get the demo page (SERVE_DEMO).',
        responses: {
          200: {
            description: 'The index, or the demo page.',
            content: {
              'application/json': { schema: ApiIndexSchema },
              'text/html': { schema: { type: 'string' } },
            },
          },
        },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: '/healthz',
    handlers: { GET: async () => ({ status: 'ok' }) },
    docs: {
      GET: {
        operationId: 'healthz',
        tags: ['service'],
        summary: 'Liveness',
        description: 'The process answers; no dependency is checked.',
        responses: { 200: described(HealthSchema, 'Alive.') },
      },
    },
  })

  /**
   * Readiness: the database is required (503 without it); Redis only speeds things up and is
   * reported as `degraded` with 200, so a Redis outage never takes every instance out of a load
   * balancer at once.
   */
  defineRoute(app, authenticate, {
    path: '/readyz',
    handlers: {
      GET: async (_request, reply) => {
        const names = Object.keys(probes ?? {})
        const [databaseState, ...optional] = await Promise.all([
          check(() => database.ping()),
          ...names.map((name) => check(probes?.[name] ?? (async () => {}))),
        ])
        const checks: Record<string, 'ok' | 'unavailable'> = { database: databaseState ?? 'unavailable' }
        names.forEach((name, index) => {
          checks[name] = optional[index] ?? 'unavailable'
        })
        if (checks.database !== 'ok') {
          reply.code(503).header('retry-after', '1')
          return { status: 'unavailable', checks }
        }
        return { status: optional.every((state) => state === 'ok') ? 'ok' : 'degraded', checks }
      },
    },
    docs: {
      GET: {
        operationId: 'readyz',
        tags: ['service'],
        summary: 'Readiness',
        description:
          'The database is required; Redis, when configured, only speeds things up: without it the answer is `degraded` with 200.',
        responses: { 200: described(ReadinessSchema, 'Ready (`ok`), or `degraded` without Redis.') },
        errors: { 503: 'The database is unavailable: `{"status": "unavailable", "checks": …}`.' },
      },
    },
  })

  const { metrics } = deps
  if (metrics) {
    defineRoute(app, authenticate, {
      path: '/metrics',
      handlers: {
        GET: async (_request, reply) => {
          const { contentType, body } = await metrics.render()
          reply.type(contentType)
          return body
        },
      },
      docs: {
        GET: {
          operationId: 'metrics',
          tags: ['service'],
          summary: 'Prometheus metrics',
          responses: {
            200: {
              description: 'The metrics, in the Prometheus text format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
    })
  }

  /**
   * The public keys other services verify with: asymmetric public keys only (an HMAC secret is
   * never published). Cacheable, with an ETag so verifiers revalidate cheaply after a rotation.
   */
  defineRoute(app, authenticate, {
    path: JWKS_PATH,
    handlers: {
      GET: async (request, reply) => {
        const body = JSON.stringify(keys.jwks())
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
        reply.header('cache-control', 'public, max-age=300, must-revalidate').header('etag', etag)
        if (request.headers['if-none-match'] === etag) return reply.code(304).send()
        return reply.type('application/json').send(body)
      },
    },
    docs: {
      GET: {
        operationId: 'jwks',
        tags: ['keys'],
        summary: 'The public keys (JWKS)',
        description:
          'Asymmetric public keys only, each with `kid`, `use: "sig"` and `alg`; empty with an HMAC algorithm. Cacheable, with an ETag (`If-None-Match` answers 304).',
        responses: {
          200: described(JwksSchema, 'The key set.'),
          304: { noContent: 'Not modified (`If-None-Match`).' },
        },
      },
    },
  })
}
