import type { FastifyInstance } from 'fastify'
import { readProfileChange, updateProfile, userView } from '../../accounts/profile.js'
import { registerUser } from '../../accounts/registration.js'
import { RegistrationClosed } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { RouteDeps } from '../deps.js'
import { requireObject } from '../../accounts/validators/drf-fields.js'
import {
  DetailSchema,
  described,
  ProfileChangeSchema,
  RegisteredSchema,
  RegistrationSchema,
  UserSchema,
} from '../openapi/schemas.js'
import { callerOf, requireRecentLogin } from '../caller.js'
import { contextOf, defineRoute } from '../route.js'
import { sameAddress } from '../../accounts/account-mail.js'
import { MAIL_ANSWERS } from './account-mail.js'

/** Register and the current user. */
export function accountRoutes(app: FastifyInstance, deps: RouteDeps, prefix: string): void {
  const { users, hasher, authenticate } = deps

  defineRoute(app, authenticate, {
    path: prefix + PATHS.register,
    before: deps.limit('register'),
    handlers: {
      POST: async (request, reply) => {
        // null (production without a choice) never gets here: the server refuses to start.
        if (deps.settings.REGISTRATION_OPEN !== true) throw new RegistrationClosed()
        const outcome = await registerUser(users, hasher, request.body, {
          emailIsLoginName: deps.settings.LOGIN_FIELD === 'username_or_email',
        })
        const context = contextOf(request)
        reply.code(201)
        if (outcome.created) {
          const { user } = outcome
          void deps.audit.record('register', { userId: user.id, context })
          deps.mail?.verification.sendFor(user, context)
          return { id: user.id, username: user.username, email: user.email }
        }
        // The address has an account: the same answer, and its owner is told instead.
        void deps.audit.record('register_existing_email', { userId: outcome.owner.id, context })
        deps.mail?.verification.notifyExisting(outcome.owner)
        return { id: outcome.id, username: outcome.username, email: outcome.email }
      },
    },
    docs: {
      POST: {
        operationId: 'register',
        tags: ['accounts'],
        summary: 'Register a new account',
        description:
          "Open when REGISTRATION_OPEN is on. Every field is checked at once (Django's username and password validators); an address that already has an account gets the same answer, and its owner a mail, so nobody learns which addresses are registered.",
        body: RegistrationSchema,
        responses: { 201: described(RegisteredSchema, 'The account.') },
        errors: { 403: 'Registration is closed (`registration_closed`).' },
      },
    },
  })

  defineRoute(app, authenticate, {
    path: prefix + PATHS.me,
    authenticated: true,
    noStore: true,
    // Reads are the hot path and stay free; each change is a lookup by e-mail worth limiting.
    beforeMethods: { PATCH: deps.limit('profile') },
    // An enrolment-only token may read who it is for.
    enrollment: true,
    handlers: {
      GET: async (request) => userView(await callerOf(users, request)),
      PATCH: async (request, reply) => {
        const body = requireObject(request.body)
        const user = await callerOf(users, request)
        const { mail } = deps
        if (mail === undefined) return userView(await updateProfile(users, user, body))
        const change = readProfileChange(body)
        if (change.email === undefined || sameAddress(change.email, user.email)) return userView(user)
        requireRecentLogin(deps, request)
        // A new address applies once confirmed from it (POST /api/email/change/ does the same).
        mail.change.request(user, change.email, contextOf(request))
        reply.code(202)
        return MAIL_ANSWERS.emailChange
      },
    },
    docs: {
      GET: {
        operationId: 'meRead',
        tags: ['accounts'],
        summary: 'The current user',
        responses: { 200: described(UserSchema, 'The current user.') },
      },
      PATCH: {
        operationId: 'meUpdate',
        tags: ['accounts'],
        summary: "Change the current user's e-mail address",
        description:
          'Without account mail the address changes at once (200). With it, a confirmation link goes to the new address, which applies once confirmed (202).',
        body: ProfileChangeSchema,
        responses: {
          200: described(UserSchema, 'The user, changed (or unchanged: the same address).'),
          202: described(DetailSchema, 'A confirmation link was sent to the new address.'),
        },
      },
    },
  })
}
