import type { FastifyInstance, FastifyRequest } from 'fastify'
import { passwordLengthError } from '../../accounts/passwords/limits.js'
import type { RequestContext } from '../../accounts/context.js'
import type { AfterPassword } from '../../accounts/mfa/mfa-login.js'
import type { UserRecord } from '../../store/ports.js'
import { NoActiveAccount, NoActiveAccountForToken, TokenInvalid } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { BrowserMode } from '../browser-mode.js'
import type { RouteDeps } from '../deps.js'
import { answerLogin } from '../login-answer.js'
import { readCharFields, requireObject } from '../../accounts/validators/drf-fields.js'
import { AUTH_TRANSPORT_HEADERS } from '../openapi/operation.js'
import {
  credentialsSchema,
  described,
  EmptySchema,
  RefreshAnswerSchema,
  refreshRequestSchema,
  SlidingTokenSchema,
  newSession,
  TokenRequestSchema,
} from '../openapi/schemas.js'
import { contextOf, defineRoute } from '../route.js'

/**
 * The simplejwt token endpoints: obtain, refresh, verify, blacklist, and sliding tokens. In cookie
 * transport the refresh token moves to an HttpOnly cookie and out of the JSON bodies.
 */
export function tokenRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  browser: BrowserMode,
): void {
  const { sessions, login, settings, authenticate } = deps
  const loginFieldName = settings.LOGIN_FIELD === 'email' ? 'email' : 'username'
  const Credentials = credentialsSchema(loginFieldName, settings.LOGIN_FIELD === 'username_or_email')
  const RefreshRequest = refreshRequestSchema(settings.REFRESH_COOKIE_ENABLED)
  const cookieHeaders = settings.REFRESH_COOKIE_ENABLED ? { headers: AUTH_TRANSPORT_HEADERS } : {}
  const badCredentials =
    'No active account found with the given credentials (the same answer for an unknown user, a wrong password and an inactive account).'
  const badToken = 'The token is invalid, expired, blacklisted or of the wrong type (`token_not_valid`).'

  /** simplejwt's obtain serializer: the login field (LOGIN_FIELD) and an untrimmed password. */
  const credentials = (body: unknown): { login: string; password: string } => {
    const fields: Record<string, string> = readCharFields(body, {
      [loginFieldName]: { maxLength: 254 },
      password: { trimWhitespace: false, validators: [passwordLengthError] },
    })
    return { login: fields[loginFieldName] ?? '', password: fields.password ?? '' }
  }

  /**
   * The refresh token from the body, or else from the cookie; a cookie authenticates the request,
   * so it must pass the CSRF checks.
   */
  const refreshTokenOf = (request: FastifyRequest): { raw: string; fromCookie: boolean } => {
    const body = requireObject(request.body)
    if (!Object.hasOwn(body, 'refresh')) {
      const cookie = browser.refreshCookie(request)
      if (cookie !== undefined) {
        browser.checkCsrf(request)
        return { raw: cookie, fromCookie: true }
      }
    }
    return { raw: readCharFields(body, { refresh: {} }).refresh, fromCookie: false }
  }

  /**
   * Logins are audited either way; the attempted login name is recorded, never the password.
   * A throttled attempt (429) is not a failed login and is not recorded as one.
   */
  const audited = async <T extends { user: { id: number } }>(
    name: string,
    context: RequestContext,
    attempt: () => Promise<T>,
  ) => {
    try {
      const done = await attempt()
      void deps.audit.record('login_succeeded', { userId: done.user.id, context })
      return done
    } catch (error) {
      if (error instanceof NoActiveAccount) {
        void deps.audit.record('login_failed', { context, detail: { login: name.slice(0, 254) } })
      }
      throw error
    }
  }

  /** The password, then (with second factors on) what the account needs next. */
  const passwordStep = async (
    name: string,
    password: string,
    purpose: 'pair' | 'sliding',
    context: RequestContext,
  ): Promise<{ user: UserRecord; next: AfterPassword | undefined }> => {
    const user = await login.authenticate(name, password, context.ip)
    return { user, next: await deps.mfa?.login.afterPassword(user, purpose, context) }
  }

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenObtain,
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request, reply) => {
        if (browser.wantsCookie(request)) browser.checkOrigin(request)
        const { login: name, password } = credentials(request.body)
        const context = contextOf(request)
        // With a second factor, MfaRequired (401 with an mfa_token) instead of tokens.
        const { user, next } = await audited(name, context, () =>
          passwordStep(name, password, 'pair', context),
        )
        const answer = await answerLogin(deps, browser, request, reply, {
          user,
          auth: next?.auth,
          purpose: 'pair',
        })
        return next?.next === 'enroll' ? { ...answer, mfa_enrollment_required: true } : answer
      },
    },
    docs: {
      POST: {
        operationId: 'tokenObtain',
        tags: ['tokens'],
        summary: 'Log in: obtain a refresh and an access token',
        description:
          "simplejwt's `TokenObtainPairView`. With `X-Auth-Transport: cookie` the refresh token is set in an HttpOnly cookie (with a CSRF cookie) and left out of the body.",
        body: Credentials,
        ...cookieHeaders,
        responses: {
          200: newSession('A new session: its refresh token and an access token.'),
        },
        errors: {
          401: badCredentials,
          403: 'The account must verify its e-mail address first (`email_not_verified`), or a browser-mode request from a foreign origin (`csrf_failed`).',
        },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenRefresh,
    noStore: true,
    before: deps.limit('refresh'),
    handlers: {
      POST: async (request, reply) => {
        const { raw, fromCookie } = refreshTokenOf(request)
        const answer = await sessions.refresh(raw, contextOf(request)).catch((error: unknown) => {
          // A refused cookie goes, with its CSRF cookie: the page's client then knows, without
          // asking on every load, that there is no session to resume.
          if (fromCookie && (error instanceof TokenInvalid || error instanceof NoActiveAccountForToken))
            browser.clearSessionCookies(reply)
          throw error
        })
        if (!fromCookie && !browser.wantsCookie(request)) return answer
        if (answer.refresh !== undefined) browser.setSessionCookies(reply, answer.refresh)
        return { access: answer.access }
      },
    },
    docs: {
      POST: {
        operationId: 'tokenRefresh',
        tags: ['tokens'],
        summary: 'Refresh: a new access token (and, rotating, a new refresh token)',
        description:
          "simplejwt's `TokenRefreshView`. The refresh token comes in the body or, in browser mode, from the refresh cookie with the `X-CSRFToken` header. A rotated-out token repeated within REFRESH_REUSE_INTERVAL gets the same child; later, its whole session ends.",
        security: 'refreshCookie',
        body: RefreshRequest,
        ...cookieHeaders,
        responses: {
          200: described(RefreshAnswerSchema, 'A new access token, and the rotated refresh token.'),
        },
        errors: {
          401: `${badToken} Also \`user_inactive\` or \`user_not_found\` for the token's user.`,
          403: 'Browser mode: a missing or wrong CSRF header, or a foreign origin (`csrf_failed`).',
        },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenVerify,
    noStore: true,
    handlers: {
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: {} })
        await sessions.verify(token)
        return {}
      },
    },
    docs: {
      POST: {
        operationId: 'tokenVerify',
        tags: ['tokens'],
        summary: 'Verify a token',
        description:
          "simplejwt's `TokenVerifyView`: any token type. A blacklisted refresh token answers 401 `token_not_valid` (simplejwt answers 400 there; docs/compat.md).",
        body: TokenRequestSchema,
        responses: { 200: described(EmptySchema, 'The token is valid.') },
        errors: { 401: badToken },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenBlacklist,
    noStore: true,
    handlers: {
      POST: async (request, reply) => {
        const { raw, fromCookie } = refreshTokenOf(request)
        try {
          await sessions.blacklist(raw, contextOf(request))
        } finally {
          // Logging out clears the browser's cookies even when the token was already dead.
          if (fromCookie || browser.wantsCookie(request)) browser.clearSessionCookies(reply)
        }
        return {}
      },
    },
    docs: {
      POST: {
        operationId: 'tokenBlacklist',
        tags: ['tokens'],
        summary: 'Log out: blacklist a refresh token',
        description:
          "simplejwt's `TokenBlacklistView`: ends the token's session, and voids its access tokens within a second. In browser mode the cookies are cleared.",
        security: 'refreshCookie',
        body: RefreshRequest,
        ...cookieHeaders,
        responses: { 200: described(EmptySchema, 'The session has ended.') },
        errors: {
          401: badToken,
          403: 'Browser mode: a missing or wrong CSRF header, or a foreign origin (`csrf_failed`).',
        },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenSliding,
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request, reply) => {
        const { login: name, password } = credentials(request.body)
        const context = contextOf(request)
        const { user, next } = await audited(name, context, () =>
          passwordStep(name, password, 'sliding', context),
        )
        return answerLogin(deps, browser, request, reply, { user, auth: next?.auth, purpose: 'sliding' })
      },
    },
    docs: {
      POST: {
        operationId: 'tokenSlidingObtain',
        tags: ['tokens'],
        summary: 'Log in: obtain a sliding token',
        description: "simplejwt's `TokenObtainSlidingView`.",
        body: Credentials,
        responses: { 200: described(SlidingTokenSchema, 'A sliding token.') },
        errors: { 401: badCredentials, 403: 'The account must verify its e-mail address first.' },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenSlidingRefresh,
    noStore: true,
    before: deps.limit('refresh'),
    handlers: {
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: {} })
        return { token: await sessions.refreshSliding(token) }
      },
    },
    docs: {
      POST: {
        operationId: 'tokenSlidingRefresh',
        tags: ['tokens'],
        summary: 'Refresh a sliding token',
        description: "simplejwt's `TokenRefreshSlidingView`: a new token, while its refresh deadline lasts.",
        body: TokenRequestSchema,
        responses: { 200: described(SlidingTokenSchema, 'The refreshed sliding token.') },
        errors: { 401: badToken },
      },
    },
  })
}
