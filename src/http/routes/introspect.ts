import type { FastifyInstance, FastifyRequest } from 'fastify'
import { authenticateClient } from '../../accounts/clients.js'
import { InvalidClient, TesseraError } from '../../core/errors.js'
import { PATHS } from '../../protocol/paths.js'
import type { ApiClientStore } from '../../store/ports.js'
import { headerFromRaw } from '../auth-header.js'
import type { RouteDeps } from '../deps.js'
import { defineRoute } from '../route.js'

/**
 * HTTP Basic credentials (RFC 7617), percent-decoded as RFC 6749 §2.3.1 asks. The header as the
 * client sent it: sent twice, its joined values match no credentials, as on the protected routes.
 */
function basicCredentials(request: FastifyRequest): { id: string; secret: string } {
  const header = headerFromRaw(request.raw.rawHeaders, 'authorization')
  const match = header === undefined ? null : /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(header)
  if (!match?.[1]) throw new InvalidClient()
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 1) throw new InvalidClient()
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    }
  } catch {
    throw new InvalidClient()
  }
}

/**
 * `POST /api/token/introspect/` (RFC 7662) for registered clients: whether a token is active now
 * (signature, expiry, blacklist, revocation cut-off, user active) and, if so, its claims. Anything
 * else answers `{"active": false}` without saying why. Form-encoded as the RFC says, or JSON.
 */
export function introspectRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  clients: ApiClientStore,
): void {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    },
  )
  defineRoute(app, deps.authenticate, {
    path: prefix + PATHS.tokenIntrospect,
    before: deps.limit('refresh'),
    handlers: {
      POST: async (request, reply) => {
        const credentials = basicCredentials(request)
        const client = await authenticateClient(clients, credentials.id, credentials.secret)
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
  })
}
