import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
} from 'fastify'
import fp from 'fastify-plugin'
import { NotAuthenticated, PermissionDenied, type TesseraError } from '@tessera/protocol'
import { createVerifier, type Verifier, type VerifierOptions } from '../create-verifier.js'
import { authorizationOf, tokenFromAuthorization } from '../auth-header.js'
import { guardFailure, guardResponse, mfaRefusal, staleAuthRefusal, type TesseraUser, userOf } from './principal.js'

export type { TesseraUser }

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, or null (no or invalid credentials: see `request.tesseraError`). */
    user: TesseraUser | null
    tesseraError: TesseraError | null
  }
}

export type GuardOptions = (VerifierOptions | { verifier: Pick<Verifier, 'verify'> }) & {
  /** Accepted Authorization schemes (default `Bearer`, `JWT`); the first names the 401 realm. */
  authHeaderTypes?: readonly string[]
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

const plugin: FastifyPluginAsync<GuardOptions> = async (app, options) => {
  let verifier: Pick<Verifier, 'verify'>
  if ('verifier' in options) verifier = options.verifier
  else {
    // A verifier made here is this plugin's: its revocation feed stops with the app.
    const own = createVerifier(options)
    app.addHook('onClose', () => own.close())
    verifier = own
  }
  const types = options.authHeaderTypes ?? ['Bearer', 'JWT']
  app.decorateRequest('user', null)
  app.decorateRequest('tesseraError', null)
  app.decorate('tesseraChallenge', `${types[0] ?? 'Bearer'} realm="api"`)
  // Reads the token on every request but decides nothing: the guards do, per route.
  app.addHook('onRequest', async (request) => {
    try {
      const raw = tokenFromAuthorization(authorizationOf(request.raw.rawHeaders, request.headers), types)
      if (raw === undefined) return
      request.user = userOf(await verifier.verify(raw))
    } catch (error) {
      const failure = guardFailure(error)
      if (failure === undefined) throw error
      request.tesseraError = failure
    }
  })
}

/**
 * `tessera/fastify`: verify Tessera access tokens in your own Fastify app (a local key or the
 * issuer's JWKS), get a typed `request.user`, and guard routes. Answers use simplejwt's and DRF's
 * shapes: 401 with `WWW-Authenticate` when credentials are missing or bad, 403 when the user lacks
 * a role or scope.
 *
 * @example
 * await app.register(tesseraAuth, { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', algorithms: ['EdDSA'] })
 * app.get('/reports', guarded([authenticated, hasRole('staff')], async (request) => request.user.roles))
 */
export const tesseraAuth = fp(plugin, { fastify: '5.x', name: 'tessera-auth' })

declare module 'fastify' {
  interface FastifyInstance {
    tesseraChallenge: string
  }
}

export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/** A guard that lets no request through without a verified user: every guard but `authenticatedOrReadOnly`. */
export type UserGuard = Guard & { readonly ensuresUser: true }

/** A request behind a {@link UserGuard}: `user` is set. */
export type AuthenticatedRequest<RouteGeneric extends RouteGenericInterface = RouteGenericInterface> =
  FastifyRequest<RouteGeneric> & { user: TesseraUser }

type Handler<RouteGeneric extends RouteGenericInterface> = RouteHandlerMethod<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  RouteGeneric
>

/**
 * Route options whose handler runs behind `guards` and sees a non-null `request.user` in its type.
 * The first guard must guarantee a user (a {@link UserGuard}); more guards may follow.
 *
 * @example
 * app.get('/reports', guarded([authenticated, hasRole('staff')], async (request) => request.user.roles))
 */
export function guarded<RouteGeneric extends RouteGenericInterface = RouteGenericInterface>(
  guards: UserGuard | readonly [UserGuard, ...Guard[]],
  handler: (
    this: FastifyInstance,
    request: AuthenticatedRequest<RouteGeneric>,
    reply: Parameters<Handler<RouteGeneric>>[1],
  ) => ReturnType<Handler<RouteGeneric>>,
): { preHandler: Guard[]; handler: Handler<RouteGeneric> } {
  return {
    preHandler: typeof guards === 'function' ? [guards] : [...guards],
    handler(request, reply) {
      // The guards answered 401 for a request without a user, so Fastify never gets here with one.
      return handler.call(this, request as AuthenticatedRequest<RouteGeneric>, reply)
    },
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, error: TesseraError): FastifyReply {
  const response = guardResponse(error, (request.server as FastifyInstance).tesseraChallenge)
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value)
  return reply.code(response.status).type('application/json').send(response.body)
}

/**
 * A guard from a check on the user: 401 without a valid token; when `refusal` names an error,
 * that answer (403 for the built-in ones).
 */
function check(
  refusal: (user: TesseraUser, request: FastifyRequest) => TesseraError | undefined,
  anonymousReads: boolean,
): Guard {
  return async (request, reply) => {
    const user = request.user
    if (user === null) {
      if (anonymousReads && request.tesseraError === null && SAFE_METHODS.has(request.method)) return
      refuse(request, reply, request.tesseraError ?? new NotAuthenticated())
      return
    }
    const error = refusal(user, request)
    if (error !== undefined) refuse(request, reply, error)
  }
}

const denied = (allows: (user: TesseraUser) => boolean) => (user: TesseraUser) =>
  allows(user) ? undefined : new PermissionDenied()

/** A guard that refuses every request without a user, and those `allows` says no to (403). */
const userGuard = (allows: (user: TesseraUser, request: FastifyRequest) => boolean): UserGuard =>
  Object.assign(
    check((user, request) => (allows(user, request) ? undefined : new PermissionDenied()), false),
    { ensuresUser: true as const },
  )

/** DRF `IsAuthenticated`. */
export const authenticated: UserGuard = userGuard(() => true)
/** DRF `IsAuthenticatedOrReadOnly`: anonymous GET/HEAD/OPTIONS pass; a bad token never does. */
export const authenticatedOrReadOnly: Guard = check(denied(() => true), true)
/** DRF `IsAdminUser`: the `admin` role, or an `is_staff: true` claim. */
export const admin: UserGuard = userGuard(
  (user) => user.roles.includes('admin') || user.claims.is_staff === true,
)
/** Any one of the roles (group names in the `roles` claim). */
export const hasRole = (...roles: string[]): UserGuard =>
  userGuard((user) => roles.some((role) => user.roles.includes(role)))
/** Every one of the scopes (`scope` space-delimited claim, or a `scopes` array). */
export const hasScope = (...scopes: string[]): UserGuard =>
  userGuard((user) => scopes.every((scope) => user.scopes.includes(scope)))

/**
 * The user's login used a second factor (the token's RFC 8176 `amr` holds `mfa`); otherwise 403
 * `mfa_required`.
 *
 * @example
 * app.post('/payouts', guarded([authenticated, requireMfa], handler))
 */
export const requireMfa: UserGuard = Object.assign(check(mfaRefusal, false), { ensuresUser: true as const })

/**
 * Step-up: the user logged in (the token's `auth_time`, which refreshes keep) at most `seconds`
 * ago; otherwise 403 `reauthentication_required`, and the client logs in again. `now` is for
 * tests (epoch milliseconds).
 *
 * @example
 * app.delete('/account', guarded([authenticated, recentAuth(300)], handler))
 */
export function recentAuth(seconds: number, options: { now?: () => number } = {}): UserGuard {
  if (!Number.isFinite(seconds) || seconds < 0) throw new TypeError('recentAuth(seconds) takes a non-negative number')
  const now = options.now ?? Date.now
  return Object.assign(
    check((user) => staleAuthRefusal(user, seconds, now()), false),
    { ensuresUser: true as const },
  )
}
