import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Actor } from '../../accounts/admin.js'
import { type AdminAccess, adminActor } from '../../accounts/admin-policy.js'
import { UserNotFound } from '../../core/errors.js'
import type { UserStore } from '../../store/ports.js'
import type { AdminDeps, RouteDeps } from '../deps.js'
import { NotFound } from '../errors.js'
import { contextOf, type Handler, principalOf } from '../route.js'
import { adminAuditRoutes } from './admin-audit.js'
import { adminClientRoutes } from './admin-clients.js'
import { adminGroupRoutes } from './admin-groups.js'
import { adminKeyRoutes } from './admin-keys.js'
import { adminTokenRoutes } from './admin-tokens.js'
import { adminUserRoutes } from './admin-users.js'

/** An admin route's work, once the caller is known to be allowed. */
export type AdminWork = (request: FastifyRequest, reply: FastifyReply, actor: Actor) => Promise<unknown>

/** What each admin route file gets. */
export interface AdminRouteContext {
  readonly app: FastifyInstance
  readonly deps: RouteDeps
  readonly admin: AdminDeps
  /** `API_PREFIX` inside the scope. */
  readonly prefix: string
  /** Wraps work in the permission check: staff read, superusers write. */
  readonly guard: (access: AdminAccess, work: AdminWork) => Handler
}

/**
 * The caller's rights, read from their row at each call (a demotion applies at once), then the
 * work. An unknown user named by the path is a 404 here, not the 401 `user_not_found` that a
 * deleted caller gets.
 */
function guardFor(users: UserStore) {
  return (access: AdminAccess, work: AdminWork): Handler =>
    async (request, reply) => {
      const { userId } = principalOf(request)
      const actor = adminActor(await users.findById(userId), access, contextOf(request))
      try {
        return await work(request, reply, actor)
      } catch (error) {
        if (error instanceof UserNotFound) throw new NotFound()
        throw error
      }
    }
}

/** A path's integer id (`\d+`), or a 404: ids are never anything else. */
export function pathId(request: FastifyRequest, name: string): number {
  const raw = (request.params as Record<string, string | undefined>)[name] ?? ''
  const id = /^\d{1,15}$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN
  if (!Number.isSafeInteger(id)) throw new NotFound()
  return id
}

/** A protocol path (`/admin/users/{id}/`) as a Fastify route under `prefix` (`/api/admin/users/:id/`). */
export function adminPath(prefix: string, path: string): string {
  return prefix + path.replace(/\{(\w+)\}/g, ':$1')
}

/** A path's text parameter. */
export function pathText(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string | undefined>)[name] ?? ''
}

/**
 * The admin API under `API_PREFIX/admin/` (docs/admin.md): every route needs an access token, and
 * then staff (read) or superuser (write) rights. Answers are never cached.
 */
export function adminRoutes(app: FastifyInstance, deps: RouteDeps, prefix: string, admin: AdminDeps): void {
  const context: AdminRouteContext = { app, deps, admin, prefix, guard: guardFor(deps.users) }
  adminUserRoutes(context)
  adminGroupRoutes(context)
  adminTokenRoutes(context)
  adminAuditRoutes(context)
  adminClientRoutes(context)
  adminKeyRoutes(context)
}
