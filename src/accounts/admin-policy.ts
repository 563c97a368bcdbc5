import { PermissionDenied } from '../core/errors.js'
import type { UserRecord } from '../store/ports.js'
import type { Actor } from './admin.js'
import type { RequestContext } from './context.js'

/** What an admin call does: reads (lists, details, exports) or changes. */
export type AdminAccess = 'read' | 'write'

/**
 * Who may use the admin API, as Django's admin decides: staff read, superusers read and write
 * (a superuser has every permission). Anyone else, active or not, is refused; the flags are read
 * from the user's row at each call, never from the token, so a demotion applies at once.
 *
 * @throws PermissionDenied
 */
export function adminActor(
  user: UserRecord | undefined,
  access: AdminAccess,
  context?: RequestContext,
): Actor {
  if (user === undefined || !user.isActive) throw new PermissionDenied()
  const allowed = access === 'read' ? user.isStaff || user.isSuperuser : user.isSuperuser
  if (!allowed) throw new PermissionDenied()
  return { userId: user.id, isSuperuser: user.isSuperuser, ...(context ? { context } : {}) }
}
