import type { FastifyInstance } from 'fastify'
import { passwordLengthError } from '../../accounts/passwords/limits.js'
import { sessionViews } from '../../accounts/devices.js'
import { authenticationOf } from '../../accounts/mfa/authentication.js'
import { AuthenticationFailed, ValidationFailed } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { BrowserMode } from '../browser-mode.js'
import type { RouteDeps } from '../deps.js'
import { readCharFields } from '../../accounts/validators/drf-fields.js'
import { NotFound } from '../errors.js'
import { AUTH_TRANSPORT_HEADERS } from '../openapi/operation.js'
import {
  described,
  EmptySchema,
  PasswordChangeSchema,
  SessionSchema,
  newSession,
} from '../openapi/schemas.js'
import { requireRecentLogin } from '../caller.js'
import { contextOf, defineRoute, principalOf } from '../route.js'

const FAMILY_ID = /^[0-9a-f]{32}$/

/**
 * A user's own sessions: end all of them, change the password (which ends them too), list the
 * devices holding a live refresh token, and end one of them.
 */
export function sessionRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  browser: BrowserMode,
): void {
  const { authenticate, accounts, audit, users, hasher, sessions, ledger, clock, settings } = deps

  defineRoute(app, authenticate, {
    path: prefix + PATHS.logoutAll,
    authenticated: true,
    enrollment: true,
    handlers: {
      POST: async (request, reply) => {
        const { userId } = principalOf(request)
        const ended = await accounts.revokeAll(userId)
        void audit.record('logout_all', { userId, context: contextOf(request), detail: { sessions: ended } })
        if (browser.wantsCookie(request) || browser.refreshCookie(request) !== undefined) {
          browser.clearSessionCookies(reply)
        }
        return {}
      },
    },
    docs: {
      POST: {
        operationId: 'logoutAll',
        tags: ['sessions'],
        summary: 'Log out everywhere',
        description:
          "Ends every session of the user; their access tokens are void everywhere within a second. In browser mode this browser's cookies are cleared.",
        responses: { 200: described(EmptySchema, 'Every session has ended.') },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mePassword,
    authenticated: true,
    noStore: true,
    before: deps.limit('password'),
    handlers: {
      POST: async (request, reply) => {
        const { userId, token } = principalOf(request)
        // Step-up: a stolen session alone cannot take the account (issue 21).
        requireRecentLogin(deps, request)
        const input = readCharFields(request.body, {
          old_password: { trimWhitespace: false, validators: [passwordLengthError] },
          new_password: { trimWhitespace: false, validators: [passwordLengthError] },
        })
        const user = await users.findById(userId)
        if (user === undefined) throw new AuthenticationFailed('User not found')
        const check = await hasher.verify(user.passwordHash, input.old_password)
        if (!check.ok) {
          throw new ValidationFailed({
            old_password: ['Your old password was entered incorrectly. Please enter it again.'],
          })
        }
        const problems = deps.validatePassword(input.new_password, {
          username: user.username,
          email: user.email,
          first_name: user.firstName,
          last_name: user.lastName,
        })
        if (problems.length > 0) throw new ValidationFailed({ new_password: problems })
        const updated = await users.update(userId, { passwordHash: await hasher.hash(input.new_password) })
        await accounts.revokeAll(userId)
        const context = contextOf(request)
        void audit.record('password_changed', { userId, context })
        // Every other session ended; this one continues with a fresh pair.
        // It keeps the session's authentication (amr, auth_time): a password change is no login.
        const pair = await sessions.obtainPair(updated ?? user, context, authenticationOf(token))
        if (!browser.wantsCookie(request)) return { refresh: pair.refresh, access: pair.access }
        browser.setSessionCookies(reply, pair.refresh)
        return { access: pair.access }
      },
    },
    docs: {
      POST: {
        operationId: 'passwordChange',
        tags: ['accounts'],
        summary: 'Change the password',
        description:
          "Checks the old password and the new one (Django's validators), ends every session, and answers a fresh pair for this one (the refresh token in the cookie in browser mode).",
        body: PasswordChangeSchema,
        ...(settings.REFRESH_COOKIE_ENABLED ? { headers: AUTH_TRANSPORT_HEADERS } : {}),
        responses: { 200: newSession('A new session for this client.') },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.sessions,
    authenticated: true,
    noStore: true,
    handlers: {
      GET: async (request) => {
        const { userId } = principalOf(request)
        return sessionViews(await ledger.liveSessions(userId, new Date(clock.now())))
      },
    },
    docs: {
      GET: {
        operationId: 'sessionsList',
        tags: ['sessions'],
        summary: "The current user's sessions",
        description:
          'One entry per login (token family) that still holds a live refresh token, newest first.',
        responses: { 200: { type: 'array', items: SessionSchema, description: 'The live sessions.' } },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: `${prefix + PATHS.sessions}:id/`,
    authenticated: true,
    handlers: {
      DELETE: async (request, reply) => {
        const { userId } = principalOf(request)
        const { id } = request.params as { id: string }
        if (!FAMILY_ID.test(id)) throw new NotFound()
        const live = await ledger.liveSessions(userId, new Date(clock.now()))
        if (!live.some((session) => session.familyId === id)) throw new NotFound()
        await accounts.endSession(userId, id)
        void audit.record('session_revoked', { userId, context: contextOf(request), detail: { session: id } })
        reply.code(204)
        return null
      },
    },
    docs: {
      DELETE: {
        operationId: 'sessionEnd',
        tags: ['sessions'],
        summary: 'End one session',
        description: 'Ends the session; its tokens are void everywhere within a second.',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$', description: 'The session id.' } },
          required: ['id'],
        },
        responses: { 204: { noContent: 'The session has ended.' } },
        errors: { 404: 'No live session of this user has this id.' },
      },
    },
  })
}
