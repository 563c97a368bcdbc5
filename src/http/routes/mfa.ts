import type { FastifyInstance } from 'fastify'
import type { SecondFactor } from '../../accounts/mfa/mfa-login.js'
import { readCharFields, requireObject } from '../../accounts/validators/drf-fields.js'
import { ValidationFailed } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { BrowserMode } from '../browser-mode.js'
import type { MfaFlows, RouteDeps } from '../deps.js'
import { answerLogin } from '../login-answer.js'
import {
  AccessTokenSchema,
  MfaStatusSchema,
  object,
  text,
  RecoveryCodesSchema,
  SlidingTokenSchema,
  TokenPairSchema,
  TotpSetupSchema,
  WebAuthnJsonSchema,
} from '../openapi/schemas.js'
import { callerOf, requireRecentLogin } from '../caller.js'
import { contextOf, defineRoute, principalOf } from '../route.js'

const CODE_FIELD = { trimWhitespace: true, maxLength: 64 } as const

/** The one factor of a `POST /api/token/mfa/` body. */
function factorOf(body: Record<string, unknown>): SecondFactor {
  const given = (['code', 'recovery_code', 'webauthn'] as const).filter((name) => Object.hasOwn(body, name))
  if (given.length !== 1)
    throw new ValidationFailed({ non_field_errors: ['Give exactly one of code, recovery_code or webauthn.'] })
  if (given[0] === 'webauthn') return { webauthn: body.webauthn }
  if (given[0] === 'code') return { code: readCharFields(body, { code: CODE_FIELD }).code }
  return { recovery_code: readCharFields(body, { recovery_code: CODE_FIELD }).recovery_code }
}

/**
 * The second step of a login, TOTP enrolment and recovery codes (issue 21). Turning TOTP off and
 * new recovery codes need a recent login (`REAUTHENTICATION_MAX_AGE`).
 */
export function mfaRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  browser: BrowserMode,
  mfa: MfaFlows,
): void {
  const { authenticate, users } = deps

  defineRoute(app, authenticate, {
    path: prefix + PATHS.tokenMfa,
    docs: {
      POST: {
        operationId: 'completeMfaLogin',
        tags: ['tokens', 'second factors'],
        summary: 'Finish a login with its second factor',
        description:
          'After `POST /api/token/` answered 401 `mfa_required`: the `mfa_token` with exactly one of a TOTP `code`, a `recovery_code` or a passkey assertion (`webauthn`). Answers what the password step would have.',
        body: object(
          {
            mfa_token: text('From the `mfa_required` answer.'),
            code: text('A TOTP code.'),
            recovery_code: text('A recovery code.'),
            webauthn: WebAuthnJsonSchema,
          },
          ['mfa_token'],
        ),
        responses: {
          200: {
            description: 'A new session (or a sliding token when the login began at /api/token/sliding/).',
            anyOf: [TokenPairSchema, AccessTokenSchema, SlidingTokenSchema],
          },
        },
        errors: {
          401: 'A wrong, stale or replayed factor (`authentication_failed`, try again), or an unusable `mfa_token` (`mfa_token_invalid`, log in again).',
        },
      },
    },
    noStore: true,
    before: deps.limit('login'),
    handlers: {
      POST: async (request, reply) => {
        const cookieMode = browser.wantsCookie(request)
        if (cookieMode) browser.checkOrigin(request)
        const body = requireObject(request.body)
        const { mfa_token: mfaToken } = readCharFields(body, { mfa_token: { maxLength: 200 } })
        const factor = factorOf(body)
        const context = contextOf(request)
        const done = await mfa.login.complete(mfaToken, factor, context)
        void deps.audit.record('login_succeeded', {
          userId: done.user.id,
          context,
          detail: { amr: done.auth.amr },
        })
        return answerLogin(deps, browser, request, reply, done)
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mfa,
    docs: {
      GET: {
        operationId: 'mfaStatus',
        tags: ['second factors'],
        summary: "The current user's second factors",
        security: 'access',
        responses: { 200: MfaStatusSchema },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    handlers: {
      GET: async (request) => mfa.factors.status(principalOf(request).userId),
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mfaTotpSetup,
    docs: {
      POST: {
        operationId: 'totpSetup',
        tags: ['second factors'],
        summary: 'Start TOTP enrolment: a new secret, its URI and QR code',
        security: 'access',
        responses: { 200: TotpSetupSchema },
        errors: { 400: 'TOTP is already on.' },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    before: deps.limit('password'),
    handlers: {
      POST: async (request) => mfa.factors.setup(await callerOf(users, request)),
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mfaTotpConfirm,
    docs: {
      POST: {
        operationId: 'totpConfirm',
        tags: ['second factors'],
        summary: 'Turn TOTP on with a code from the new secret',
        security: 'access',
        body: object({ code: text('A code from the authenticator app.') }),
        responses: { 200: RecoveryCodesSchema },
        errors: { 400: 'A wrong, stale or replayed code, or no secret waiting.' },
      },
    },
    authenticated: true,
    enrollment: true,
    noStore: true,
    before: deps.limit('password'),
    handlers: {
      POST: async (request) => {
        const { code } = readCharFields(request.body, { code: CODE_FIELD })
        const codes = await mfa.factors.confirm(await callerOf(users, request), code, contextOf(request))
        return { recovery_codes: codes }
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mfaTotp,
    docs: {
      DELETE: {
        operationId: 'totpDisable',
        tags: ['second factors'],
        summary: 'Turn TOTP off',
        security: 'access',
        responses: { 204: { noContent: 'TOTP is off.' } },
        errors: {
          400: 'TOTP is not on.',
          403: 'The login is not recent enough (`reauthentication_required`).',
        },
      },
    },
    authenticated: true,
    noStore: true,
    handlers: {
      DELETE: async (request, reply) => {
        requireRecentLogin(deps, request)
        const { userId } = principalOf(request)
        if (!(await mfa.factors.disableTotp(userId, contextOf(request))))
          throw new ValidationFailed({ non_field_errors: ['TOTP is not enabled.'] })
        reply.code(204)
        return null
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.mfaRecoveryCodes,
    docs: {
      POST: {
        operationId: 'recoveryCodesRegenerate',
        tags: ['second factors'],
        summary: 'A new set of recovery codes (the old ones stop working)',
        security: 'access',
        responses: { 200: RecoveryCodesSchema },
        errors: {
          400: 'The user has no second factor.',
          403: 'The login is not recent enough (`reauthentication_required`).',
        },
      },
    },
    authenticated: true,
    noStore: true,
    handlers: {
      POST: async (request) => {
        requireRecentLogin(deps, request)
        const { userId } = principalOf(request)
        return { recovery_codes: await mfa.factors.regenerateRecoveryCodes(userId, contextOf(request)) }
      },
    },
  })
}
