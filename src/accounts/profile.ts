import { UniqueViolation, ValidationFailed } from '../core/errors.js'
import type { UserView } from '@tessera/protocol'
import type { UserRecord, UserStore } from '../store/ports.js'
import { readEmailField } from './validators/registration.js'

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

const EDITABLE_FIELDS: ReadonlySet<string> = new Set(['email'])

/**
 * `PATCH /api/me/`: a user may change their email, checked by registration's rule; the username
 * and flags are not theirs to change. Unknown or read-only fields are refused rather than
 * ignored, so typos surface.
 *
 * @throws ValidationFailed, UniqueViolation
 */
export async function updateProfile(
  users: UserStore,
  user: UserRecord,
  body: Readonly<Record<string, unknown>>,
): Promise<UserRecord> {
  const unknown = Object.keys(body).filter((field) => !EDITABLE_FIELDS.has(field))
  if (unknown.length > 0) {
    throw new ValidationFailed(
      Object.fromEntries(unknown.map((field) => [field, ['This field cannot be changed.']])),
    )
  }
  if (!Object.hasOwn(body, 'email')) return user
  const email = readEmailField(true, body.email)
  if (!email.ok) throw new ValidationFailed({ email: email.errors })
  const owner = await users.findByEmail(email.value)
  if (owner !== undefined && owner.id !== user.id) throw new UniqueViolation(['email'])
  const updated = await users.update(user.id, { email: email.value })
  if (updated === undefined) throw new ValidationFailed({ non_field_errors: ['User not found'] })
  return updated
}
