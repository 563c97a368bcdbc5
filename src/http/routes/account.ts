import type { FastifyInstance } from 'fastify'
import { updateProfile, userView } from '../../accounts/profile.js'
import { registerUser } from '../../accounts/registration.js'
import { RegistrationClosed, UserNotFound, ValidationFailed } from '../../core/errors.js'
import { PATHS } from '../../protocol/paths.js'
import type { RouteDeps } from '../deps.js'
import { readCharFields, requireObject } from '../fields.js'
import { contextOf, defineRoute, principalOf } from '../route.js'

const EDITABLE_PROFILE_FIELDS = new Set(['email'])

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
        const user = await registerUser(users, hasher, request.body)
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
    handlers: {
      GET: async (request) => userView(await currentUser(principalOf(request).userId)),
      PATCH: async (request) => {
        const body = requireObject(request.body)
        const unknown = Object.keys(body).filter((field) => !EDITABLE_PROFILE_FIELDS.has(field))
        if (unknown.length > 0) {
          throw new ValidationFailed(
            Object.fromEntries(unknown.map((field) => [field, ['This field cannot be changed.']])),
          )
        }
        const changes: { email?: string } = Object.hasOwn(body, 'email')
          ? readCharFields(body, { email: { maxLength: 254 } })
          : {}
        if (changes.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(changes.email)) {
          throw new ValidationFailed({ email: ['Enter a valid email address.'] })
        }
        const user = await currentUser(principalOf(request).userId)
        return userView(await updateProfile(users, user, changes))
      },
    },
  })
}
