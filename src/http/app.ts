import { RevocationFeed } from '../accounts/revocation-feed.js'
import fastifyCookie from '@fastify/cookie'
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { AUTH_TRANSPORT_HEADER } from '@tessera/protocol'
import { headerNameFromMeta } from '../settings/load.js'
import type { Settings } from '../settings/types.js'
import { type AccessLog, installAccessLog } from './access-log.js'
import { createAuthenticator } from './authenticate.js'
import { proxyTrust } from './client-ip.js'
import { BrowserMode } from './browser-mode.js'
import { installRateLimits } from './rate-limits.js'
import { requestIdGenerator } from './request-id.js'
import type { HttpDeps, RouteDeps } from './deps.js'
import {
  answerClientError,
  type ErrorHandlingOptions,
  type ErrorLog,
  frameworkErrorHandler,
  installErrorHandling,
} from './errors.js'
import { collectOpenApi } from './openapi/install.js'
import { accountRoutes } from './routes/account.js'
import { adminRoutes } from './routes/admin.js'
import { adminPageRoutes } from './routes/admin-page.js'
import { accountMailRoutes } from './routes/account-mail.js'
import { demoPageRoutes } from './routes/demo-page.js'
import { docsPageRoutes } from './routes/docs-page.js'
import { introspectRoutes } from './routes/introspect.js'
import { mfaRoutes } from './routes/mfa.js'
import { passkeyRoutes } from './routes/passkeys.js'
import { revocationRoutes } from './routes/revocations.js'
import { schemaRoutes } from './routes/schema.js'
import { serviceRoutes } from './routes/service.js'
import { sessionRoutes } from './routes/sessions.js'
import { tokenRoutes } from './routes/token.js'

export interface AppOptions {
  /** A pino logger (already configured with redaction); none by default. Failures are logged to it. */
  logger?: FastifyBaseLogger
  /** Where each request's access line goes (src/http/access-log.ts); none by default. */
  accessLog?: AccessLog
}

/** Where Tessera's routes go inside the scope they are registered in. */
export interface RouteLayout {
  /** The API routes' prefix inside the scope: `API_PREFIX` standalone, '' under a mount prefix. */
  readonly apiPrefix: string
  /** The scope's own prefix as clients see it ('' standalone): index links and the cookie path. */
  readonly mountPath: string
  /** Failures of Tessera's routes are logged here. */
  readonly log?: ErrorLog | undefined
  /** Whether `CORS_ALLOWED_ORIGINS` is applied in this scope (embedded) rather than app-wide. */
  readonly cors: boolean
}

/** `CORS_ALLOWED_ORIGINS` as @fastify/cors options, with the headers Tessera's clients send; none: no CORS. */
function corsOptions(settings: Readonly<Settings>): FastifyCorsOptions | undefined {
  if (settings.CORS_ALLOWED_ORIGINS.length === 0) return undefined
  return {
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
  }
}

function errorHandlingFor(settings: Readonly<Settings>, log: ErrorLog | undefined): ErrorHandlingOptions {
  return { authScheme: settings.AUTH_HEADER_TYPES[0] ?? 'Bearer', log }
}

/**
 * The Fastify options the standalone server is built with. They are app-wide (Fastify takes them
 * only at creation), so an app that embeds Tessera may pass them to its own `Fastify()` to get the
 * standalone behaviour there too: request ids from `X-Request-Id`, `TRUST_PROXY`, trailing slashes
 * optional everywhere, and router refusals in DRF's shape.
 */
export function tesseraAppOptions(settings: Readonly<Settings>): FastifyServerOptions {
  const errorHandling = errorHandlingFor(settings, undefined)
  return {
    genReqId: requestIdGenerator(),
    bodyLimit: settings.BODY_LIMIT,
    // Which X-Forwarded-* entries are believed; the client IP itself comes from clientIp().
    trustProxy: proxyTrust(settings.TRUST_PROXY),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Requests refused before any route runs answer in DRF's shape too (errors.ts).
    frameworkErrors: frameworkErrorHandler(errorHandling),
    clientErrorHandler: answerClientError,
  }
}

/**
 * Tessera's HTTP API, for an encapsulated scope (registered with `app.register`): its JSON-only
 * body parsing, error map, CORS, cookies, CSRF and rate limits apply to these routes alone, never
 * to the routes of an app that embeds it. JSON only: other media types get 415; an empty JSON body
 * reads as `{}` so missing fields get DRF's field errors.
 */
export async function tesseraRoutes(
  scope: FastifyInstance,
  deps: HttpDeps,
  layout: RouteLayout,
): Promise<void> {
  const { settings } = deps
  // Parsers are per scope; a parser's own bodyLimit beats the app's, so BODY_LIMIT holds here alone.
  scope.removeAllContentTypeParsers()
  const parseJson = scope.getDefaultJsonParser('error', 'error')
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: settings.BODY_LIMIT },
    (request, body, done) => {
      if (body === '') return done(null, {})
      return parseJson(request, body as string, done)
    },
  )
  if (!scope.hasRequestDecorator('principal')) scope.decorateRequest('principal', null)
  // Standalone, CORS is the app's (buildApp): its 404s and preflights of any path carry it too.
  const cors = layout.cors ? corsOptions(settings) : undefined
  if (cors) await scope.register(fastifyCors, cors)
  installErrorHandling(scope, errorHandlingFor(settings, layout.log), { notFound: layout.mountPath !== '' })
  // Before any route: the document is collected from the routes as they are added.
  const document = await collectOpenApi(scope, settings, layout.mountPath)

  const authenticate = createAuthenticator({
    codec: deps.codec,
    gate: deps.gate,
    clock: deps.clock,
    headerName: headerNameFromMeta(settings.AUTH_HEADER_NAME),
    headerTypes: settings.AUTH_HEADER_TYPES,
    ...(deps.metrics ? { observe: deps.metrics.observeVerification } : {}),
  })
  const routeDeps: RouteDeps = { ...deps, authenticate, limit: () => [] }
  const prefix = layout.apiPrefix
  const browser = new BrowserMode({ ...settings, API_PREFIX: layout.mountPath + prefix })
  // Cookies are parsed only where they can authenticate: the token routes. Protected routes
  // read the Authorization header alone and skip that work.
  await scope.register(async (tokens) => {
    // An app that parses cookies already (its own @fastify/cookie) fills `request.cookies` for us.
    if (!tokens.hasDecorator('parseCookie')) await tokens.register(fastifyCookie, { hook: 'onRequest' })
    const limited: RouteDeps = { ...routeDeps, limit: await installRateLimits(tokens, routeDeps) }
    tokenRoutes(tokens, limited, prefix, browser)
    sessionRoutes(tokens, limited, prefix, browser)
    accountRoutes(tokens, limited, prefix)
    if (deps.mail) accountMailRoutes(tokens, limited, prefix, layout.mountPath + prefix, deps.mail)
    if (deps.mfa) {
      mfaRoutes(tokens, limited, prefix, browser, deps.mfa)
      passkeyRoutes(tokens, limited, prefix, browser, deps.mfa)
    }
    const { clients } = deps
    if (clients) {
      // Its own scope: only this endpoint accepts a form-encoded body (RFC 7662 §2.1).
      await tokens.register(async (form) => introspectRoutes(form, limited, prefix, clients))
      const { revocations } = deps
      if (revocations) {
        const feed = new RevocationFeed(deps.gate, revocations, deps.clock)
        revocationRoutes(tokens, limited, prefix, clients, feed)
      }
    }
  })
  // The admin API: off (404, as any unknown path) unless ADMIN_ENABLED, which production sets.
  const { admin } = deps
  if (admin !== undefined && settings.ADMIN_ENABLED) {
    await scope.register(async (adminScope) => adminRoutes(adminScope, routeDeps, prefix, admin))
    // The admin web UI (standalone only: an embedding app has its own pages) over that API.
    if (settings.ADMIN_UI_ENABLED && deps.adminDir !== undefined) {
      await adminPageRoutes(scope, deps.adminDir, {
        path: layout.mountPath + settings.ADMIN_UI_PATH,
        apiPrefix: layout.mountPath + prefix,
        settings,
      })
    }
  }
  const links = { api: layout.mountPath + prefix, root: layout.mountPath }
  if (deps.demoDir !== undefined && settings.SERVE_DEMO) {
    const demoDir = deps.demoDir
    await scope.register(async (demo) =>
      serviceRoutes(demo, routeDeps, prefix, links, await demoPageRoutes(demo, demoDir)),
    )
  } else {
    serviceRoutes(scope, routeDeps, prefix, links)
  }
  if (document) {
    schemaRoutes(scope, authenticate, prefix, document)
    if (settings.DOCS_ENABLED === true) {
      await docsPageRoutes(scope, prefix, layout.mountPath, document, (message) =>
        layout.log?.warn({}, message),
      )
    }
  }
}

/**
 * The standalone Tessera app (not listening): the app-wide options of {@link tesseraAppOptions},
 * the access log, draining on close, and DRF-shaped answers for paths no route matches. Tessera's
 * routes are registered into it by the composition root (src/server).
 */
export function buildApp(settings: Readonly<Settings>, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    // Fastify logs nothing itself: no request logger per request, no lines of its own. Access
    // lines come from one hook (installAccessLog), failures from the error handler.
    logger: false,
    ...tesseraAppOptions(settings),
  })
  if (options.accessLog) installAccessLog(app, options.accessLog)
  app.decorateRequest('principal', null)
  // Draining (SIGTERM): Fastify answers requests that arrive after close with 503 and
  // `Connection: close`; connections whose answer is still in flight get the shortest keep-alive
  // timeout, so each ends right after its last answer instead of holding the shutdown for the
  // usual idle time. (An onSend hook adding `Connection: close` did the same at a cost on every
  // request.)
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1
    done()
  })
  const cors = corsOptions(settings)
  if (cors) app.register(fastifyCors, cors)
  installErrorHandling(app, errorHandlingFor(settings, options.logger))
  return app
}
