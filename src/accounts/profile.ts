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
 * What a `PATCH /api/me/` asks to change: the email, checked by registration's rule; the username
 * and flags are not the user's to change. Unknown or read-only fields are refused rather than
 * ignored, so typos surface.
 *
 * @throws ValidationFailed
 */
export function readProfileChange(body: Readonly<Record<string, unknown>>): { email?: string } {
  const unknown = Object.keys(body).filter((field) => !EDITABLE_FIELDS.has(field))
  if (unknown.length > 0) {
    throw new ValidationFailed(
      Object.fromEntries(unknown.map((field) => [field, ['This field cannot be changed.']])),
    )
  }
  if (!Object.hasOwn(body, 'email')) return {}
  const email = readEmailField(true, body.email)
  if (!email.ok) throw new ValidationFailed({ email: email.errors })
  return { email: email.value }
}

/**
 * `PATCH /api/me/` applied at once: for deployments composed without the mail flows. With them,
 * a new address goes through `EmailChange` (confirmed from the new address) instead.
 *
 * @throws ValidationFailed, UniqueViolation
 */
export async function updateProfile(
  users: UserStore,
  user: UserRecord,
  body: Readonly<Record<string, unknown>>,
): Promise<UserRecord> {
  const change = readProfileChange(body)
  if (change.email === undefined) return user
  const email = { value: change.email }
  const owner = await users.findByEmail(email.value)
  if (owner !== undefined && owner.id !== user.id) throw new UniqueViolation(['email'])
  const updated = await users.update(user.id, { email: email.value })
  if (updated === undefined) throw new ValidationFailed({ non_field_errors: ['User not found'] })
  return updated
}
