import type { FastifyInstance } from 'fastify'
import { readCharFields, requireObject } from '../../accounts/validators/drf-fields.js'
import { toEpochSeconds } from '../../core/clock.js'
import { ValidationFailed } from '../../core/errors.js'
import { PATHS, type PasskeyView } from '@tessera/protocol'
import type { PasskeyRecord } from '../../store/ports.js'
import type { BrowserMode } from '../browser-mode.js'
import type { MfaFlows, RouteDeps } from '../deps.js'
import { answerLogin } from '../login-answer.js'
import { NotFound } from '../errors.js'
import { newSession, object, PasskeySchema, text, WebAuthnJsonSchema } from '../openapi/schemas.js'
import { callerOf, requireRecentLogin } from '../caller.js'
import { contextOf, defineRoute, principalOf } from '../route.js'

const view = (passkey: PasskeyRecord): PasskeyView => ({
  id: passkey.id,
  name: passkey.name,
  created: passkey.createdAt.toISOString(),
  last_used: passkey.lastUsedAt?.toISOString() ?? null,
  backed_up: passkey.backedUp,
  transports: passkey.transports,
})

const PASSKEY_ID = /^[A-Za-z0-9_-]{1,1400}$/

/**
 * Passkeys (issue 21): register, list, delete (a recent login needed), the options of an
 * assertion (a second step with `mfa_token`, or a passwordless login), and the passwordless login.
 */
export function passkeyRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  browser: BrowserMode,
  mfa: MfaFlows,
): void {
  const { authenticate, users, clock, audit } = deps
  const { passkeys } = mfa

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passkeys,
    docs: {
      GET: {
        operationId: 'passkeyList',
        tags: ['second factors'],
        summary: "The current user's passkeys",
        security: 'access',
        responses: { 200: { type: 'array', items: PasskeySchema } },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    handlers: {
      GET: async (request) => (await passkeys.list(principalOf(request).userId)).map(view),
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passkeyRegisterOptions,
    docs: {
      POST: {
        operationId: 'passkeyRegistrationOptions',
        tags: ['second factors'],
        summary: 'Options for registering a passkey (`startRegistration`)',
        security: 'access',
        responses: { 200: WebAuthnJsonSchema },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    before: deps.limit('password'),
    handlers: {
      POST: async (request) => passkeys.registrationOptions(await callerOf(users, request)),
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passkeyRegister,
    docs: {
      POST: {
        operationId: 'passkeyRegister',
        tags: ['second factors'],
        summary: 'Register a passkey',
        security: 'access',
        body: object({ credential: WebAuthnJsonSchema, name: text('A name for it.') }, ['credential']),
        responses: { 201: PasskeySchema },
        errors: { 400: 'The passkey could not be verified.' },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    before: deps.limit('password'),
    handlers: {
      POST: async (request, reply) => {
        const body = requireObject(request.body)
        const name = Object.hasOwn(body, 'name')
          ? readCharFields(body, { name: { maxLength: 64 } }).name
          : 'Passkey'
        if (!Object.hasOwn(body, 'credential'))
          throw new ValidationFailed({ credential: ['This field is required.'] })
        const passkey = await passkeys.register(
          await callerOf(users, request),
          body.credential,
          name,
          contextOf(request),
        )
        reply.code(201)
        return view(passkey)
      },
    },
  })

  defineRoute(app, authenticate, {
    path: `${prefix + PATHS.passkeys}:id/`,
    docs: {
      DELETE: {
        operationId: 'passkeyDelete',
        tags: ['second factors'],
        summary: "Delete one of the current user's passkeys",
        security: 'access',
        params: object({ id: text('The credential id.') }),
        responses: { 204: { noContent: 'Deleted.' } },
        errors: {
          403: 'The login is not recent enough (`reauthentication_required`).',
          404: "No such passkey of this user's.",
        },
      },
    },
    authenticated: true,
    handlers: {
      DELETE: async (request, reply) => {
        requireRecentLogin(deps, request)
        const principal = principalOf(request)
        const { id } = request.params as { id: string }
        if (!PASSKEY_ID.test(id) || !(await passkeys.remove(principal.userId, id, contextOf(request))))
          throw new NotFound()
        reply.code(204)
        return null
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passkeyLoginOptions,
    docs: {
      POST: {
        operationId: 'passkeyLoginOptions',
        tags: ['second factors', 'tokens'],
        summary: 'Options for a passkey login (`startAuthentication`)',
        description: 'Passwordless with `{}`; the second step of a login with its `mfa_token`.',
        body: object({ mfa_token: text('For the second step of a login.') }, []),
        responses: { 200: WebAuthnJsonSchema },
        errors: { 401: 'An unusable `mfa_token` (`mfa_token_invalid`).' },
      },
    },
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request) => {
        const body = requireObject(request.body)
        // With an mfa_token: the second step of that login, for that user's passkeys.
        const userId = Object.hasOwn(body, 'mfa_token')
          ? await mfa.login.userOf(readCharFields(body, { mfa_token: { maxLength: 200 } }).mfa_token)
          : null
        return passkeys.authenticationOptions(userId)
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passkeyLogin,
    docs: {
      POST: {
        operationId: 'passkeyLogin',
        tags: ['second factors', 'tokens'],
        summary: 'Log in with a passkey alone',
        body: object({ credential: WebAuthnJsonSchema }),
        responses: { 200: newSession('A new session: its refresh token and an access token.') },
        errors: { 400: 'The passkey could not be verified.' },
      },
    },
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request, reply) => {
        if (browser.wantsCookie(request)) browser.checkOrigin(request)
        const body = requireObject(request.body)
        if (!Object.hasOwn(body, 'credential'))
          throw new ValidationFailed({ credential: ['This field is required.'] })
        const context = contextOf(request)
        let assertion: Awaited<ReturnType<typeof passkeys.assert>>
        try {
          assertion = await passkeys.assert(body.credential, null)
        } catch (error) {
          if (error instanceof ValidationFailed) void audit.record('passkey_login_failed', { context })
          throw error
        }
        // User verification was required: possession of the key and the user's PIN or biometric.
        const amr = [...assertion.amr, 'mfa']
        void audit.record('login_succeeded', { userId: assertion.user.id, context, detail: { amr } })
        return answerLogin(deps, browser, request, reply, {
          user: assertion.user,
          auth: { amr, authTime: toEpochSeconds(clock.now()) },
          purpose: 'pair',
        })
      },
    },
  })
}
