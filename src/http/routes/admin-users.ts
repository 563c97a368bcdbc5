import { ADMIN_PATHS } from '@tessera/protocol'
import { sessionViews } from '../../accounts/devices.js'
import type { AdminUserRow, UserQuery, UserWithGroups } from '../../store/ports.js'
import {
  booleanFilter,
  fetchPage,
  pageAnswer,
  param,
  readFilters,
  readOrdering,
  readPage,
} from '../admin-query.js'
import { adminUserView } from '../admin-views.js'
import { NotFound } from '../errors.js'
import { defineRoute } from '../route.js'
import { type AdminRouteContext, adminPath, pathId, pathText } from './admin.js'
import { SCHEMAS } from './admin-schemas.js'

const USER_ORDERING = ['id', 'username', 'email', 'date_joined', 'last_login'] as const
const FAMILY_ID = /^[0-9a-f]{32}$/

/** Users: list, create, retrieve, change, set a password, sessions, logout-all. */
export function adminUserRoutes({ app, deps, admin, prefix, guard }: AdminRouteContext): void {
  const { authenticate, ledger, clock } = deps
  const path = (template: string) => adminPath(prefix, template)
  /** One user's row for its view: lists read `has_mfa` with the page, single answers here. */
  const withMfa = async (row: UserWithGroups): Promise<AdminUserRow> => ({
    ...row,
    hasMfa: (await admin.directory.usersWithMfa([row.user.id])).has(row.user.id),
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.users),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listUsers, POST: SCHEMAS.createUser },
    handlers: {
      GET: guard('read', async (request) => {
        const filters = readFilters<{
          is_active: boolean
          is_staff: boolean
          is_superuser: boolean
          email_verified: boolean
          has_mfa: boolean
        }>(request, {
          is_active: booleanFilter,
          is_staff: booleanFilter,
          is_superuser: booleanFilter,
          email_verified: booleanFilter,
          has_mfa: booleanFilter,
        })
        const search = param(request, 'search')
        const query: Omit<UserQuery, 'offset' | 'limit' | 'ordering'> = {
          ...(search ? { search } : {}),
          ...(filters.is_active === undefined ? {} : { isActive: filters.is_active }),
          ...(filters.is_staff === undefined ? {} : { isStaff: filters.is_staff }),
          ...(filters.is_superuser === undefined ? {} : { isSuperuser: filters.is_superuser }),
          ...(filters.email_verified === undefined ? {} : { emailVerified: filters.email_verified }),
          ...(filters.has_mfa === undefined ? {} : { hasMfa: filters.has_mfa }),
        }
        const ordering = readOrdering(request, USER_ORDERING, [{ field: 'id', descending: false }])
        const fetched = await fetchPage(readPage(request), ordering, (slice) =>
          admin.directory.listUsers({ ...query, ...slice }),
        )
        return pageAnswer(request, fetched, adminUserView)
      }),
      POST: guard('write', async (request, reply, actor) => {
        const created = await admin.users.create(request.body, actor)
        reply.code(201)
        return adminUserView(await withMfa(created))
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.user),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.getUser, PATCH: SCHEMAS.updateUser },
    handlers: {
      GET: guard('read', async (request) =>
        adminUserView(await withMfa(await admin.users.get(pathId(request, 'id')))),
      ),
      PATCH: guard('write', async (request, _reply, actor) =>
        adminUserView(await withMfa(await admin.users.update(pathId(request, 'id'), request.body, actor))),
      ),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.userPassword),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.setPassword },
    handlers: {
      POST: guard('write', async (request, _reply, actor) => {
        await admin.users.setPassword(pathId(request, 'id'), request.body, actor)
        return {}
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.userSessions),
    authenticated: true,
    noStore: true,
    schema: { GET: SCHEMAS.listSessions },
    handlers: {
      GET: guard('read', async (request) => {
        const { user } = await admin.users.get(pathId(request, 'id'))
        const sessions = sessionViews(await ledger.liveSessions(user.id, new Date(clock.now())))
        const fetched = await fetchPage(readPage(request), [], async (slice) => ({
          count: sessions.length,
          rows: sessions.slice(slice.offset, slice.offset + slice.limit),
        }))
        return pageAnswer(request, fetched, (session) => session)
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.userSession),
    authenticated: true,
    schema: { DELETE: SCHEMAS.endSession },
    handlers: {
      DELETE: guard('write', async (request, reply, actor) => {
        const userId = pathId(request, 'id')
        const sessionId = pathText(request, 'sid')
        if (!FAMILY_ID.test(sessionId)) throw new NotFound()
        const live = await ledger.liveSessions(userId, new Date(clock.now()))
        if (!live.some((session) => session.familyId === sessionId)) throw new NotFound()
        await admin.users.endSession(userId, sessionId, actor)
        reply.code(204)
        return null
      }),
    },
  })

  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.userLogoutAll),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.logoutAll },
    handlers: {
      POST: guard('write', async (request, _reply, actor) => ({
        sessions: await admin.users.logoutAll(pathId(request, 'id'), actor),
      })),
    },
  })

  const factors = deps.mfa?.factors
  if (factors === undefined) return
  defineRoute(app, authenticate, {
    path: path(ADMIN_PATHS.userResetMfa),
    authenticated: true,
    noStore: true,
    schema: { POST: SCHEMAS.resetMfa },
    handlers: {
      // `tessera users reset-mfa` over HTTP: for a user who lost every factor; audited with the actor.
      POST: guard('write', async (request, _reply, actor) => {
        const userId = pathId(request, 'id')
        await admin.users.get(userId)
        const removed = await factors.reset(userId, `admin:${actor.userId}`)
        return { ...removed, sessions: await admin.users.logoutAll(userId, actor) }
      }),
    },
  })
}
