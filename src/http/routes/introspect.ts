import type { FastifyInstance } from 'fastify'
import { InvalidClient, TesseraError } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { ApiClientStore } from '../../store/ports.js'
import type { RouteDeps } from '../deps.js'
import { introspectionClient } from '../introspection-client.js'
import { described, IntrospectionRequestSchema, IntrospectionSchema } from '../openapi/schemas.js'
import { defineRoute } from '../route.js'

/**
 * `POST /api/token/introspect/` (RFC 7662) for registered clients: whether a token is active now
 * (signature, expiry, blacklist, revocation cut-off, user active) and, if so, its claims. Anything
 * else answers `{"active": false}` without saying why. Form-encoded as the RFC says, or JSON.
 * Limited per authenticated client (`RATE_LIMIT_INTROSPECT_PER_CLIENT`), apart from refreshes.
 */
export function introspectRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  clients: ApiClientStore,
): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: deps.settings.BODY_LIMIT },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )
  defineRoute(app, deps.authenticate, {
    path: prefix + PATHS.tokenIntrospect,
    before: deps.limit('introspect'),
    handlers: {
      POST: async (request, reply) => {
        const client = await introspectionClient(request, clients)
        if (client === undefined) throw new InvalidClient()
        reply.header('cache-control', 'no-store')
        const body = (request.body ?? {}) as Record<string, unknown>
        if (typeof body.token !== 'string' || body.token === '') return { active: false }
        try {
          const token = await deps.sessions.verify(body.token)
          const state = await deps.gate.load(token.userId)
          if (state.status !== 'active') return { active: false }
          return {
            active: true,
            token_type: token.type,
            sub: String(token.userId),
            client_id: client.clientId,
            ...token.claims,
          }
        } catch (error) {
          if (error instanceof TesseraError && error.code === 'token_not_valid') return { active: false }
          throw error
        }
      },
    },
    docs: {
      POST: {
        operationId: 'tokenIntrospect',
        tags: ['introspection'],
        summary: 'Introspect a token (RFC 7662)',
        description:
          'For registered clients (HTTP Basic). Active means: signature, expiry, blacklist and revocation cut-off checked now, and the user active. Form-encoded as the RFC says, or JSON. A missing or empty `token` answers inactive.',
        security: 'client',
        bodyContent: {
          'application/x-www-form-urlencoded': { schema: IntrospectionRequestSchema },
          'application/json': { schema: IntrospectionRequestSchema },
        },
        responses: {
          200: described(IntrospectionSchema, 'Whether the token is active, and its claims if so.'),
        },
        errors: {
          401: 'The client did not authenticate (`invalid_client`, with `WWW-Authenticate: Basic`).',
        },
      },
    },
  })
}
