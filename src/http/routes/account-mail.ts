import type { FastifyInstance, FastifyRequest } from 'fastify'
import { passwordLengthError } from '../../accounts/passwords/limits.js'
import { readCharFields, requireObject } from '../../accounts/validators/drf-fields.js'
import { readEmailField } from '../../accounts/validators/registration.js'
import { NotAuthenticated, ValidationFailed } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { AccountMailFlows, RouteDeps } from '../deps.js'
import type { MediaResponse, OperationDoc } from '../openapi/operation.js'
import {
  DetailSchema,
  described,
  EmailRequestSchema,
  LinkTokenSchema,
  ResetConfirmSchema,
} from '../openapi/schemas.js'
import { callerOf, requireRecentLogin } from '../caller.js'
import { contextOf, defineRoute, type Handler } from '../route.js'
import { type LinkPageKind, LINK_PAGE_SCRIPT, linkPageHtml, setLinkPageHeaders } from './link-pages.js'

/** The answers of the requests that may send mail: the same whoever the address belongs to. */
export const MAIL_ANSWERS = {
  passwordReset: {
    detail: 'If an account uses this address, a link to reset its password has been sent to it.',
  },
  verificationResent: { detail: 'If this address needs confirming, a new link has been sent to it.' },
  emailChange: { detail: 'A confirmation link has been sent to the new address.' },
} as const

const LINK_SCRIPT_PATH = '/links/page.js'

/** A token field: required, a string (its form is the flows' to judge, with one message for all). */
const TOKEN_FIELD = { trimWhitespace: true, maxLength: 200 } as const

const HTML_PAGE: MediaResponse = {
  description: 'The page (HTML): it asks the person to confirm, then its script POSTs the token.',
  content: { 'text/html': { schema: { type: 'string' } } },
}

/** The `GET` of a mailed link: a page that consumes nothing (scanners and previews fetch links). */
const linkPage = (operationId: string, summary: string): OperationDoc => ({
  operationId,
  tags: ['account mail'],
  summary,
  description:
    "Serves a page and consumes nothing: the token is in the link's fragment (`#token=…`), which the page's script reads and POSTs to this path.",
  responses: { 200: HTML_PAGE },
})

const invalidLink = 'The link is invalid, expired or already used (field errors on `token`).'

function readEmail(body: unknown): string {
  const source = requireObject(body)
  const email = readEmailField(Object.hasOwn(source, 'email'), source.email)
  if (!email.ok) throw new ValidationFailed({ email: email.errors })
  return email.value
}

/**
 * Password reset, e-mail verification and e-mail change (issue 20). Requests that send mail
 * answer 202 with a fixed body; links' `GET` serves a page and consumes nothing (link-pages.ts).
 */
export function accountMailRoutes(
  app: FastifyInstance,
  deps: RouteDeps,
  prefix: string,
  /** The API's path as clients see it (mount path + prefix): where the page finds its script. */
  publicApiPath: string,
  flows: AccountMailFlows,
): void {
  const { authenticate } = deps
  const page =
    (kind: LinkPageKind): Handler =>
    (_request, reply) => {
      setLinkPageHeaders(reply, 'text/html; charset=utf-8')
      return reply.send(linkPageHtml(kind, publicApiPath + LINK_SCRIPT_PATH))
    }

  defineRoute(app, authenticate, {
    path: prefix + LINK_SCRIPT_PATH,
    handlers: {
      GET: (_request, reply) => {
        setLinkPageHeaders(reply, 'text/javascript; charset=utf-8')
        return reply.send(LINK_PAGE_SCRIPT)
      },
    },
    docs: {
      GET: {
        operationId: 'linkPageScript',
        tags: ['account mail'],
        summary: 'The script of the link pages',
        responses: {
          200: { description: 'JavaScript.', content: { 'text/javascript': { schema: { type: 'string' } } } },
        },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passwordReset,
    before: deps.limit('mail'),
    handlers: {
      POST: async (request, reply) => {
        flows.reset.request(readEmail(request.body), contextOf(request))
        reply.code(202)
        return MAIL_ANSWERS.passwordReset
      },
    },
    docs: {
      POST: {
        operationId: 'passwordReset',
        tags: ['account mail'],
        summary: 'Ask for a password reset link',
        description:
          'Sends a reset link to the address if an account uses it. The answer is the same either way, so nobody learns which addresses are registered.',
        body: EmailRequestSchema,
        responses: { 202: described(DetailSchema, 'Accepted (whether or not an account uses the address).') },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.passwordResetConfirm,
    noStore: true,
    // Each attempt that gets past the token costs a password hash.
    beforeMethods: { POST: deps.limit('password') },
    handlers: {
      GET: page('password_reset'),
      POST: async (request) => {
        const input = readCharFields(request.body, {
          token: TOKEN_FIELD,
          new_password: { trimWhitespace: false, validators: [passwordLengthError] },
        })
        await flows.reset.confirm(input.token, input.new_password, contextOf(request))
        return { detail: 'Your password has been reset. Every session was signed out.' }
      },
    },
    docs: {
      GET: linkPage('passwordResetPage', 'The page of a password reset link'),
      POST: {
        operationId: 'passwordResetConfirm',
        tags: ['account mail'],
        summary: 'Set a new password with a reset link',
        description: 'Sets the password and ends every session of the account.',
        body: ResetConfirmSchema,
        responses: { 200: described(DetailSchema, 'The password is set.') },
        errors: { 400: `${invalidLink} Or field errors on \`new_password\`.` },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.emailVerify,
    noStore: true,
    beforeMethods: { POST: deps.limit('mail') },
    handlers: {
      GET: page('email_verify'),
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: TOKEN_FIELD })
        await flows.verification.verify(token, contextOf(request))
        return { detail: 'Your e-mail address is confirmed.' }
      },
    },
    docs: {
      GET: linkPage('emailVerifyPage', 'The page of an e-mail verification link'),
      POST: {
        operationId: 'emailVerify',
        tags: ['account mail'],
        summary: 'Confirm an e-mail address with a verification link',
        body: LinkTokenSchema,
        responses: { 200: described(DetailSchema, 'The address is verified.') },
        errors: { 400: invalidLink },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.emailVerifyResend,
    before: deps.limit('mail'),
    handlers: {
      POST: async (request, reply) => {
        const principal = await optionalPrincipal(deps, request)
        if (principal !== undefined) flows.verification.resendFor(principal, contextOf(request))
        else flows.verification.resendTo(readEmail(request.body), contextOf(request))
        reply.code(202)
        return MAIL_ANSWERS.verificationResent
      },
    },
    docs: {
      POST: {
        operationId: 'emailVerifyResend',
        tags: ['account mail'],
        summary: 'Send a new verification link',
        description:
          "With an access token, to the current user's address (no body needed); without one, to the `email` in the body. The answer is the same whoever the address belongs to.",
        security: 'optionalAccess',
        body: described(EmailRequestSchema, 'Needed without an access token.'),
        responses: { 202: described(DetailSchema, 'Accepted.') },
        errors: { 401: 'An access token that is present but not valid.' },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.emailChange,
    authenticated: true,
    before: deps.limit('mail'),
    handlers: {
      POST: async (request, reply) => {
        requireRecentLogin(deps, request)
        const email = readEmail(request.body)
        const user = await callerOf(deps.users, request)
        flows.change.request(user, email, contextOf(request))
        reply.code(202)
        return MAIL_ANSWERS.emailChange
      },
    },
    docs: {
      POST: {
        operationId: 'emailChange',
        tags: ['account mail'],
        summary: "Change the current user's e-mail address",
        description:
          'Sends a confirmation link to the new address; the change applies once it is confirmed, and the old address gets a link to cancel it.',
        body: EmailRequestSchema,
        responses: { 202: described(DetailSchema, 'A confirmation link was sent to the new address.') },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.emailChangeConfirm,
    noStore: true,
    beforeMethods: { POST: deps.limit('mail') },
    handlers: {
      GET: page('email_change_confirm'),
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: TOKEN_FIELD })
        await flows.change.confirm(token, contextOf(request))
        return { detail: 'Your account uses its new e-mail address now.' }
      },
    },
    docs: {
      GET: linkPage('emailChangeConfirmPage', 'The page of an e-mail change confirmation link'),
      POST: {
        operationId: 'emailChangeConfirm',
        tags: ['account mail'],
        summary: 'Confirm an e-mail change',
        body: LinkTokenSchema,
        responses: { 200: described(DetailSchema, 'The account uses the new address.') },
        errors: { 400: `${invalidLink} Or the new address belongs to another account by now.` },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.emailChangeCancel,
    noStore: true,
    beforeMethods: { POST: deps.limit('mail') },
    handlers: {
      GET: page('email_change_cancel'),
      POST: async (request) => {
        const { token } = readCharFields(request.body, { token: TOKEN_FIELD })
        await flows.change.cancel(token, contextOf(request))
        return { detail: 'The e-mail change is cancelled.' }
      },
    },
    docs: {
      GET: linkPage('emailChangeCancelPage', 'The page of an e-mail change cancel link'),
      POST: {
        operationId: 'emailChangeCancel',
        tags: ['account mail'],
        summary: 'Cancel an e-mail change',
        description:
          'Cancels the change; if it was confirmed already, the old address is restored and every session ends.',
        body: LinkTokenSchema,
        responses: { 200: described(DetailSchema, 'The change is cancelled.') },
        errors: { 400: invalidLink },
      },
    },
  })
}

/** The user of a request that may carry an access token; a token that is present must be valid. */
async function optionalPrincipal(deps: RouteDeps, request: FastifyRequest): Promise<number | undefined> {
  const principal = await deps.authenticate(request)
  if (principal === undefined && request.headers.authorization !== undefined) throw new NotAuthenticated()
  return principal?.userId
}
