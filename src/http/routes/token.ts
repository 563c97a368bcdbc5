import type { FastifyInstance, FastifyRequest } from 'fastify'
import { passwordLengthError } from '../../accounts/passwords/limits.js'
import type { RequestContext } from '../../accounts/context.js'
import type { AfterPassword } from '../../accounts/mfa/mfa-login.js'
import type { UserRecord } from '../../store/ports.js'
import { NoActiveAccount, NoActiveAccountForToken, TokenInvalid } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { BrowserMode } from '../browser-mode.js'
import type { RouteDeps } from '../deps.js'
import { readCharFields, requireObject } from '../../accounts/validators/drf-fields.js'
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
        const cookieMode = browser.wantsCookie(request)
        if (cookieMode) browser.checkOrigin(request)
        const { login: name, password } = credentials(request.body)
        const context = contextOf(request)
        // With a second factor, MfaRequired (401 with an mfa_token) instead of tokens.
        const { user, next } = await audited(name, context, () =>
          passwordStep(name, password, 'pair', context),
        )
        const pair = await sessions.obtainPair(user, context, next?.auth)
        const enrol = next?.next === 'enroll' ? { mfa_enrollment_required: true } : {}
        if (!cookieMode) return { refresh: pair.refresh, access: pair.access, ...enrol }
        browser.setSessionCookies(reply, pair.refresh)
        return { access: pair.access, ...enrol }
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
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenSliding,
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request) => {
        const { login: name, password } = credentials(request.body)
        const context = contextOf(request)
        const { user, next } = await audited(name, context, () =>
          passwordStep(name, password, 'sliding', context),
        )
        return { token: await sessions.obtainSliding(user, next?.auth) }
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
  })
}
