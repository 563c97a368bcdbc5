import { ValidationFailed } from '../core/errors.js'
import type { FieldErrors } from '@tessera/protocol'
import type { UserRecord, UserStore } from '../store/ports.js'
import type { PasswordVerifier } from './login.js'
import { type UsernameRules, validateRegistrationInput } from './validators/registration.js'
import { normalizeUsername } from './validators/username.js'

const FIELD_ORDER = ['username', 'email', 'password'] as const

/**
 * `POST /api/register/`: DRF serializer semantics. Field errors, uniqueness errors and password
 * validator errors are reported together, in field order, as the reference answers; a race between
 * two registrations of one name is caught by the database's unique indexes. A username equal to an
 * existing one but for case or compatibility forms counts as taken.
 *
 * @throws ValidationFailed, UniqueViolation
 */
export async function registerUser(
  users: UserStore,
  hasher: Pick<PasswordVerifier, 'hash'>,
  body: unknown,
  rules: UsernameRules = { emailIsLoginName: false },
): Promise<UserRecord> {
  const checked = validateRegistrationInput(body, rules)
  const errors: FieldErrors = checked.ok ? {} : { ...checked.errors }
  const username = checked.ok ? checked.value.username : validString(body, 'username', errors)
  const email = checked.ok ? checked.value.email : validString(body, 'email', errors)
  if (username !== undefined && (await usernameTaken(users, username))) {
    errors.username = ['A user with that username already exists.']
  }
  if (email !== undefined && (await users.findByEmail(email)) !== undefined) {
    errors.email = ['This field must be unique.']
  }
  if (!checked.ok || Object.keys(errors).length > 0) {
    const ordered: FieldErrors = {}
    for (const field of FIELD_ORDER) if (errors[field]) ordered[field] = errors[field]
    for (const [field, messages] of Object.entries(errors)) if (!ordered[field]) ordered[field] = messages
    throw new ValidationFailed(ordered)
  }
  const passwordHash = await hasher.hash(checked.value.password)
  return users.create({ username: checked.value.username, email: checked.value.email, passwordHash })
}

/** Taken exactly, or (when the store can tell) but for case and compatibility forms. */
async function usernameTaken(users: UserStore, username: string): Promise<boolean> {
  if ((await users.findByUsername(username)) !== undefined) return true
  return users.findByUsernameKey !== undefined && (await users.findByUsernameKey(username)) !== undefined
}

/** A field that passed its own validation while others failed: uniqueness is still checked. */
function validString(body: unknown, field: string, errors: FieldErrors): string | undefined {
  if (errors[field] !== undefined || typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[field]
  if (typeof value !== 'string') return undefined
  return field === 'username' ? normalizeUsername(value).trim() : value.trim()
}
