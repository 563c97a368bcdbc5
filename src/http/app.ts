import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { headerNameFromMeta } from '../settings/load.js'
import { createAuthenticator } from './authenticate.js'
import type { HttpDeps, RouteDeps } from './deps.js'
import { installErrorHandling } from './errors.js'
import { accountRoutes } from './routes/account.js'
import { serviceRoutes } from './routes/service.js'
import { tokenRoutes } from './routes/token.js'

export interface AppOptions {
  /** A pino logger (already configured with redaction); none by default. */
  logger?: FastifyBaseLogger
}

/**
 * The Tessera HTTP API as a Fastify instance (not listening). JSON only: other media types get
 * 415; an empty JSON body reads as `{}` so missing fields get DRF's field errors.
 */
export function buildApp(deps: HttpDeps, options: AppOptions = {}): FastifyInstance {
  const { settings } = deps
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: settings.BODY_LIMIT,
    trustProxy: settings.TRUST_PROXY,
    // Request lines carry the request id; the Authorization header and cookies are redacted by
    // the logger's configuration (src/server/logger.ts), and bodies are never logged.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  })

  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {})
    return parseJson(request, body as string, done)
  })

  app.decorateRequest('principal', null)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-content-type-options', 'nosniff')
    reply.header('referrer-policy', 'same-origin')
    done()
  })
  installErrorHandling(app, { authScheme: settings.AUTH_HEADER_TYPES[0] ?? 'Bearer' })

  const authenticate = createAuthenticator({
    codec: deps.codec,
    gate: deps.gate,
    headerName: headerNameFromMeta(settings.AUTH_HEADER_NAME),
    headerTypes: settings.AUTH_HEADER_TYPES,
  })
  const routeDeps: RouteDeps = { ...deps, authenticate }
  const prefix = settings.API_PREFIX
  tokenRoutes(app, routeDeps, prefix)
  accountRoutes(app, routeDeps, prefix)
  serviceRoutes(app, routeDeps, prefix)
  return app
}
