import type { FastifyInstance } from 'fastify'
import { updateProfile, userView } from '../../accounts/profile.js'
import { registerUser } from '../../accounts/registration.js'
import { RegistrationClosed, UserNotFound } from '../../core/errors.js'
import { PATHS } from '@tessera/protocol'
import type { RouteDeps } from '../deps.js'
import { requireObject } from '../../accounts/validators/drf-fields.js'
import { contextOf, defineRoute, principalOf } from '../route.js'

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
        const user = await registerUser(users, hasher, request.body, {
          emailIsLoginName: deps.settings.LOGIN_FIELD === 'username_or_email',
        })
        void deps.audit.record('register', { userId: user.id, context: contextOf(request) })
        reply.code(201)
        return { id: user.id, username: user.username, email: user.email }
      },
    },
  })

  const currentUser = async (userId: number) => {
    const user = await users.findById(userId)
    if (user === undefined) throw new UserNotFound()
    return user
  }

  defineRoute(app, authenticate, {
    path: prefix + PATHS.me,
    authenticated: true,
    noStore: true,
    // Reads are the hot path and stay free; each change is a lookup by e-mail worth limiting.
    beforeMethods: { PATCH: deps.limit('profile') },
    handlers: {
      GET: async (request) => userView(await currentUser(principalOf(request).userId)),
      PATCH: async (request) => {
        const body = requireObject(request.body)
        const user = await currentUser(principalOf(request).userId)
        return userView(await updateProfile(users, user, body))
      },
    },
  })
}
