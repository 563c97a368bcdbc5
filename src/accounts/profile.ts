import { UniqueViolation, ValidationFailed } from '../core/errors.js'
import type { UserView } from '../protocol/types.js'
import type { UserRecord, UserStore } from '../store/ports.js'

/** The user as `GET /api/me/` shows it. */
export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    date_joined: user.dateJoined.toISOString(),
    last_login: user.lastLogin === null ? null : user.lastLogin.toISOString(),
  }
}

/**
 * `PATCH /api/me/`: a user may change their email; the username and flags are not theirs to
 * change. Unknown or read-only fields are refused rather than ignored, so typos surface.
 */
export async function updateProfile(
  users: UserStore,
  user: UserRecord,
  changes: { email?: string },
): Promise<UserRecord> {
  if (changes.email === undefined) return user
  const owner = await users.findByEmail(changes.email)
  if (owner !== undefined && owner.id !== user.id) throw new UniqueViolation(['email'])
  const updated = await users.update(user.id, { email: changes.email })
  if (updated === undefined) throw new ValidationFailed({ non_field_errors: ['User not found'] })
  return updated
}
