import { RevocationFeed } from '../accounts/revocation-feed.js'
import fastifyCookie from '@fastify/cookie'
import fastifyCors from '@fastify/cors'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { AUTH_TRANSPORT_HEADER } from '../protocol/paths.js'
import { headerNameFromMeta } from '../settings/load.js'
import { type AccessLog, installAccessLog } from './access-log.js'
import { createAuthenticator } from './authenticate.js'
import { proxyTrust } from './client-ip.js'
import { BrowserMode } from './browser-mode.js'
import { installRateLimits } from './rate-limits.js'
import { requestIdGenerator } from './request-id.js'
import type { HttpDeps, RouteDeps } from './deps.js'
import { answerClientError, frameworkErrorHandler, installErrorHandling } from './errors.js'
import { accountRoutes } from './routes/account.js'
import { demoPageRoutes } from './routes/demo-page.js'
import { introspectRoutes } from './routes/introspect.js'
import { revocationRoutes } from './routes/revocations.js'
import { serviceRoutes } from './routes/service.js'
import { sessionRoutes } from './routes/sessions.js'
import { tokenRoutes } from './routes/token.js'

export interface AppOptions {
  /** A pino logger (already configured with redaction); none by default. Failures are logged to it. */
  logger?: FastifyBaseLogger
  /** Where each request's access line goes (src/http/access-log.ts); none by default. */
  accessLog?: AccessLog
}

/**
 * The Tessera HTTP API as a Fastify instance (not listening). JSON only: other media types get
 * 415; an empty JSON body reads as `{}` so missing fields get DRF's field errors.
 */
export function buildApp(deps: HttpDeps, options: AppOptions = {}): FastifyInstance {
  const { settings } = deps
  const errorHandling = { authScheme: settings.AUTH_HEADER_TYPES[0] ?? 'Bearer', log: options.logger }
  const app = Fastify({
    // Fastify logs nothing itself: no request logger per request, no lines of its own. Access
    // lines come from one hook (installAccessLog), failures from the error handler.
    logger: false,
    genReqId: requestIdGenerator(),
    bodyLimit: settings.BODY_LIMIT,
    // Which X-Forwarded-* entries are believed; the client IP itself comes from clientIp().
    trustProxy: proxyTrust(settings.TRUST_PROXY),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Requests refused before any route runs answer in DRF's shape too (errors.ts).
    frameworkErrors: frameworkErrorHandler(errorHandling),
    clientErrorHandler: answerClientError,
  })
  if (options.accessLog) installAccessLog(app, options.accessLog)

  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, {})
    return parseJson(request, body as string, done)
  })

  app.decorateRequest('principal', null)
  // Draining (SIGTERM): Fastify answers requests that arrive after close with 503 and
  // `Connection: close`; connections whose answer is still in flight get a 1 ms keep-alive
  // timeout, so each ends right after its last answer instead of holding the shutdown for the
  // usual idle time. (An onSend hook adding `Connection: close` did the same at a cost on every
  // request.)
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1
    done()
  })
  if (settings.CORS_ALLOWED_ORIGINS.length > 0) {
    app.register(fastifyCors, {
      origin: [...settings.CORS_ALLOWED_ORIGINS],
      credentials: true,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        AUTH_TRANSPORT_HEADER,
        headerNameFromMeta(settings.CSRF_HEADER_NAME),
      ],
      maxAge: 600,
    })
  }
  installErrorHandling(app, errorHandling)

  const authenticate = createAuthenticator({
    codec: deps.codec,
    gate: deps.gate,
    clock: deps.clock,
    headerName: headerNameFromMeta(settings.AUTH_HEADER_NAME),
    headerTypes: settings.AUTH_HEADER_TYPES,
    ...(deps.metrics ? { observe: deps.metrics.observeVerification } : {}),
  })
  const routeDeps: RouteDeps = { ...deps, authenticate, limit: () => [] }
  const prefix = settings.API_PREFIX
  const browser = new BrowserMode(settings)
  // Cookies are parsed only where they can authenticate: the token routes. Protected routes
  // read the Authorization header alone and skip that work.
  app.register(async (scope) => {
    await scope.register(fastifyCookie, { hook: 'onRequest' })
    const limited: RouteDeps = { ...routeDeps, limit: await installRateLimits(scope, routeDeps) }
    tokenRoutes(scope, limited, prefix, browser)
    sessionRoutes(scope, limited, prefix, browser)
    accountRoutes(scope, limited, prefix)
    const { clients } = deps
    if (clients) {
      // Its own scope: only this endpoint accepts a form-encoded body (RFC 7662 §2.1).
      await scope.register(async (form) => introspectRoutes(form, limited, prefix, clients))
      const { revocations } = deps
      if (revocations) {
        const feed = new RevocationFeed(deps.gate, revocations, deps.clock)
        revocationRoutes(scope, limited, prefix, clients, feed)
      }
    }
  })
  if (deps.demoDir !== undefined && settings.SERVE_DEMO) {
    const demoDir = deps.demoDir
    app.register(async (scope) =>
      serviceRoutes(scope, routeDeps, prefix, await demoPageRoutes(scope, demoDir)),
    )
  } else {
    serviceRoutes(app, routeDeps, prefix)
  }
  return app
}
