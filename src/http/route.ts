import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  HTTPMethods,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
} from 'fastify'
import type { RequestContext } from '../accounts/context.js'
import { ENROLLMENT_CLAIM } from '../accounts/mfa/authentication.js'
import { MfaEnrollmentRequired, NotAuthenticated } from '../core/errors.js'
import type { Authenticator, Principal } from './authenticate.js'
import { setApiHeaders, setNoStore } from './api-headers.js'
import { clientIp } from './client-ip.js'
import { MethodNotAllowed } from './errors.js'
import { documentationOnly, type OperationDoc, routeDocumentation } from './openapi/operation.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on protected routes once the access token was accepted. */
    principal: Principal | null
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const ALL_METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']
/**
 * Methods whose body Fastify never reads (GET, and HEAD with it): nothing runs between their
 * onRequest hooks and their handler. DELETE may carry a body, so it is not one of them.
 */
const BODILESS: ReadonlySet<Method> = new Set(['GET'])

/**
 * A route handler: async, or synchronous when it needs no I/O. Fastify sends a synchronous
 * handler's return value at once, while a promise costs an allocation, a `then` and a microtask
 * per request (bench/FINDINGS.md). A synchronous handler must return the payload (or the reply), never
 * undefined: Fastify would wait for a `reply.send` that never comes.
 */
export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> | object

export interface RouteSpec {
  readonly path: string
  /** Requires a valid access token, checked before the method (DRF answers 401 before 405). */
  readonly authenticated?: boolean
  readonly handlers: Partial<Record<Method, Handler>>
  /** Hooks that run first (rate limits), before authentication. */
  readonly before?: readonly onRequestAsyncHookHandler[]
  /** Answers carry tokens or the caller's own data: `Cache-Control: no-store` (RFC 6749 §5.1). */
  readonly noStore?: boolean
  /**
   * Accepts tokens limited to enrolling a second factor (`MFA_REQUIRED_FOR_STAFF`); other
   * protected routes refuse them with 403 `mfa_enrollment_required`.
   */
  readonly enrollment?: boolean
  /** Hooks for one method only, run after `before`. */
  readonly beforeMethods?: Partial<Record<Method, readonly onRequestAsyncHookHandler[]>>
  /**
   * The JSON schema of each method (tags, summary, params, querystring, body, responses), for the
   * OpenAPI document. It describes and never decides: bodies are read by the accounts room's
   * validators with DRF's messages, and answers are sent as the handler made them, so a schema
   * changes no status and no body (see {@link DOCUMENTATION_ONLY}).
   */
  readonly schema?: Partial<Record<Method, FastifySchema>>
  /**
   * Each method's OpenAPI description (src/http/openapi/operation.ts): its request shapes document
   * only, its success shapes also serialise the answer. A method without one still appears in the
   * document, and the lint test fails on it.
   */
  readonly docs?: Partial<Record<Method, OperationDoc>>
}

/**
 * Route options that attach a schema without letting Fastify act on it: no Ajv validation (whose
 * coercion and 400 bodies are not DRF's) and no fast-json-stringify (which would drop fields a
 * schema does not name).
 */
const DOCUMENTATION_ONLY = {
  validatorCompiler: () => () => true,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
} as const

/** Whether the app matches `/x` and `/x/` as one route (`ignoreTrailingSlash`, app-wide in Fastify). */
function ignoresTrailingSlash(app: FastifyInstance): boolean {
  const config = app.initialConfig as {
    ignoreTrailingSlash?: boolean
    routerOptions?: { ignoreTrailingSlash?: boolean }
  }
  return config.routerOptions?.ignoreTrailingSlash === true || config.ignoreTrailingSlash === true
}

/**
 * Registers one resource: its handlers, and a 405 (JSON, with `Allow`) for every other method.
 * Paths end in `/` and match with or without it: never a redirect that would drop a POST body.
 * The standalone app sets `ignoreTrailingSlash`; in an app that embeds Tessera without it, each
 * path is registered both ways.
 */
export function defineRoute(app: FastifyInstance, authenticate: Authenticator, spec: RouteSpec): void {
  const { path } = spec
  if (path.length > 1 && path.endsWith('/') && !ignoresTrailingSlash(app)) {
    defineOne(app, authenticate, spec, true)
    // The same operation again: documented once, under its canonical path.
    defineOne(app, authenticate, { ...spec, path: path.slice(0, -1) }, false)
    return
  }
  defineOne(app, authenticate, spec, true)
}

/** The authenticator of a route that refuses enrolment-only tokens. */
function refusingEnrollment(authenticate: Authenticator): Authenticator {
  const check = (principal: Principal | undefined) => {
    if (principal !== undefined && principal.token.claims[ENROLLMENT_CLAIM] === true)
      throw new MfaEnrollmentRequired()
    return principal
  }
  return (request) => {
    const result = authenticate(request)
    return result instanceof Promise ? result.then(check) : check(result)
  }
}

/** A route that the OpenAPI document leaves out: a 405 answer or a second spelling of a path. */
const HIDDEN = { hide: true } as const

function defineOne(
  app: FastifyInstance,
  anyToken: Authenticator,
  spec: RouteSpec,
  documented: boolean,
): void {
  const authenticate = spec.enrollment === true ? anyToken : refusingEnrollment(anyToken)
  const allowed = Object.keys(spec.handlers) as Method[]
  const allowHeader = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS']
  const authenticated = spec.authenticated === true
  // Rate limits first, then authentication: for the methods that authenticate in a hook.
  const withAuth = (hooks: readonly OnRequestHook[]) =>
    authenticated ? [...hooks, authenticationHook(authenticate)] : hooks
  const beforeAndAuth = withAuth(spec.before ?? [])
  for (const method of allowed) {
    const before = [...(spec.before ?? []), ...(spec.beforeMethods?.[method] ?? [])]
    const handler = withApiHeaders(spec.handlers[method] as Handler, spec.noStore === true)
    // A bodiless method authenticates at the start of its handler: nothing (no body parsing) runs
    // between its hooks and its handler, so the order of answers is the same as with a hook, and
    // the protected GET, the hot path, skips Fastify's hook machinery entirely.
    const inHandler = authenticated && BODILESS.has(method)
    const schema = spec.schema?.[method]
    const doc = spec.docs?.[method]
    const documentation =
      doc === undefined
        ? undefined
        : routeDocumentation(doc, {
            authenticated,
            // Whether the route can be limited, whatever RATE_LIMIT_ENABLED says now.
            limited: spec.before !== undefined || spec.beforeMethods?.[method] !== undefined,
          })
    app.route({
      method,
      url: spec.path,
      handler: inHandler ? authenticateFirst(authenticate, handler) : handler,
      ...routeHooks(inHandler ? before : withAuth(before)),
      ...(documentation
        ? {
            schema: documented ? documentation.schema : { ...documentation.schema, ...HIDDEN },
            config: { openapi: documentation.config },
            validatorCompiler: documentationOnly,
          }
        : schema !== undefined
          ? // A raw schema (the admin routes): described, never acted on.
            {
              schema: documented ? rawDocumentation(schema, method, spec.path) : { ...schema, ...HIDDEN },
              // Security named as the document's settings name it, never a scheme a host app lacks.
              config: {
                openapi: authenticated ? { security: 'access' as const, errors: {} } : { errors: {} },
              },
              ...DOCUMENTATION_ONLY,
            }
          : documented
            ? {}
            : { schema: HIDDEN }),
    })
  }
  const others = ALL_METHODS.filter((method) => !allowed.includes(method))
  if (others.length > 0) {
    app.route({
      method: others as HTTPMethods[],
      url: spec.path,
      ...routeHooks(beforeAndAuth),
      schema: HIDDEN,
      config: { methodNotAllowed: true },
      handler: async (request) => {
        throw new MethodNotAllowed(request.method, allowHeader)
      },
    })
  }
}

/**
 * A raw schema as the document takes it: without its own `security` (the route's config names it,
 * resolved against the settings), and with an `operationId` (client generators name functions
 * after it): its own, or one made from the method and the path (`GET …/admin/users/:id/` →
 * `getAdminUsersId`).
 */
function rawDocumentation(schema: FastifySchema, method: Method, path: string): FastifySchema {
  const { security: _security, ...rest } = schema as FastifySchema & { security?: unknown }
  if ('operationId' in rest) return rest
  const words = path.split(/[^A-Za-z0-9]+/).filter((word) => word !== '' && word !== 'api')
  const operationId =
    method.toLowerCase() + words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('')
  return { ...rest, operationId } as FastifySchema
}

type OnRequestHook = onRequestAsyncHookHandler | onRequestHookHandler

/** A single hook is passed bare: Fastify runs it without the array machinery. */
function routeHooks(hooks: readonly OnRequestHook[]): { onRequest?: OnRequestHook | OnRequestHook[] } {
  const [only] = hooks
  if (only === undefined) return {}
  return { onRequest: hooks.length === 1 ? only : [...hooks] }
}

function withApiHeaders(handler: Handler, noStore: boolean): Handler {
  if (noStore) {
    return (request, reply) => {
      setApiHeaders(reply)
      setNoStore(reply)
      return handler(request, reply)
    }
  }
  return (request, reply) => {
    setApiHeaders(reply)
    return handler(request, reply)
  }
}

/** Authenticates, then runs the handler; synchronous up to the handler when all is in memory. */
function authenticateFirst(authenticate: Authenticator, handler: Handler): Handler {
  const proceed = (request: FastifyRequest, reply: FastifyReply, principal: Principal | undefined) => {
    if (principal === undefined) throw new NotAuthenticated()
    request.principal = principal
    return handler(request, reply)
  }
  return (request, reply) => {
    const result = authenticate(request)
    if (result instanceof Promise) return result.then((principal) => proceed(request, reply, principal))
    return proceed(request, reply, result)
  }
}

/**
 * The hook of protected routes that take a body: authentication comes before the body is parsed,
 * so an unauthenticated caller gets 401, never 400 or 415 (DRF authenticates first). Callback-style,
 * so that a token and user already in memory are accepted without a promise or a microtask.
 */
function authenticationHook(authenticate: Authenticator): onRequestHookHandler {
  return (request, _reply, done) => {
    let result: ReturnType<Authenticator>
    try {
      result = authenticate(request)
    } catch (error) {
      done(error as Error)
      return
    }
    const accept = (principal: Principal | undefined) => {
      if (principal === undefined) return done(new NotAuthenticated())
      request.principal = principal
      done()
    }
    if (result instanceof Promise) result.then(accept, done)
    else accept(result)
  }
}

const MAX_USER_AGENT = 512

/** The caller's IP and user agent, for the ledger's session list and the audit log. */
export function contextOf(request: FastifyRequest): RequestContext {
  const agent = request.headers['user-agent']
  return {
    ip: clientIp(request),
    userAgent: typeof agent === 'string' ? agent.slice(0, MAX_USER_AGENT) : null,
  }
}

/** The principal of a protected route (set by its onRequest hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf() used on a route that is not authenticated')
  return request.principal
}
