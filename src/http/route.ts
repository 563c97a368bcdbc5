import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
} from 'fastify'
import type { RequestContext } from '../accounts/context.js'
import { NotAuthenticated } from '../core/errors.js'
import type { Authenticator, Principal } from './authenticate.js'
import { MethodNotAllowed } from './errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on protected routes once the access token was accepted. */
    principal: Principal | null
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const ALL_METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

export interface RouteSpec {
  readonly path: string
  /** Requires a valid access token, checked before the method (DRF answers 401 before 405). */
  readonly authenticated?: boolean
  readonly handlers: Partial<Record<Method, Handler>>
  /** Hooks that run first (rate limits), before authentication. */
  readonly before?: readonly onRequestAsyncHookHandler[]
}

/**
 * Registers one resource: its handlers, and a 405 (JSON, with `Allow`) for every other method.
 * Paths end in `/` and match with or without it (`ignoreTrailingSlash`): never a redirect that
 * would drop a POST body.
 */
export function defineRoute(app: FastifyInstance, authenticate: Authenticator, spec: RouteSpec): void {
  const allowed = Object.keys(spec.handlers) as Method[]
  const allowHeader = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : []), 'OPTIONS']
  const hooks: (onRequestAsyncHookHandler | onRequestHookHandler)[] = [...(spec.before ?? [])]
  if (spec.authenticated) hooks.push(authenticationHook(authenticate))
  // A single hook is passed bare: Fastify runs it without the array machinery (the hot path).
  const onRequest = hooks.length === 0 ? undefined : hooks.length === 1 ? hooks[0] : hooks
  for (const method of allowed) {
    const handler = spec.handlers[method] as Handler
    app.route({ method, url: spec.path, handler, ...(onRequest ? { onRequest } : {}) })
  }
  const others = ALL_METHODS.filter((method) => !allowed.includes(method))
  if (others.length > 0) {
    app.route({
      method: others as HTTPMethods[],
      url: spec.path,
      ...(onRequest ? { onRequest } : {}),
      handler: async (request) => {
        throw new MethodNotAllowed(request.method, allowHeader)
      },
    })
  }
}

/**
 * The protected routes' hook, callback-style so that a token and user already in memory are
 * accepted without a promise or a microtask: the whole check is a few map lookups.
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
    ip: request.ip ?? null,
    userAgent: typeof agent === 'string' ? agent.slice(0, MAX_USER_AGENT) : null,
  }
}

/** The principal of a protected route (set by its onRequest hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error('principalOf() used on a route that is not authenticated')
  return request.principal
}
