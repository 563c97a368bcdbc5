import type { FieldErrors } from '@tessera/protocol'
import { UniqueViolation, ValidationFailed } from '../core/errors.js'
import type { UserRecord, UserStore } from '../store/ports.js'
import type { PasswordVerifier } from './login.js'
import { type UsernameRules, validateRegistrationInput } from './validators/registration.js'
import { normalizeUsername } from './validators/username.js'

const FIELD_ORDER = ['username', 'email', 'password'] as const

/** What registration did; the route answers both the same way. */
export type RegistrationOutcome =
  | { created: true; user: UserRecord }
  /**
   * The e-mail belongs to `owner`: no account was made. `id` was reserved from the users' ids,
   * so the answer carries an id like a new account's, and the owner is told by mail.
   */
  | { created: false; owner: UserRecord; id: number; username: string; email: string }

/**
 * `POST /api/register/`: DRF serializer semantics. Field errors, username uniqueness and password
 * validator errors are reported together, in field order, as the reference answers; a race between
 * two registrations of one name is caught by the database's unique indexes. A username equal to an
 * existing one but for case or compatibility forms counts as taken.
 *
 * A taken e-mail is not an error when the store can reserve ids (`UserStore.reserveId`): the
 * registration does the same work (the password is hashed) and answers as a new one, so the
 * endpoint does not tell who has an account; the caller mails the owner instead. Without
 * `reserveId` (an app's own table) it is reported as before (`UniqueViolation`).
 *
 * @throws ValidationFailed, UniqueViolation
 */
export async function registerUser(
  users: UserStore,
  hasher: Pick<PasswordVerifier, 'hash'>,
  body: unknown,
  rules: UsernameRules = { emailIsLoginName: false },
): Promise<RegistrationOutcome> {
  const checked = validateRegistrationInput(body, rules)
  const errors: FieldErrors = checked.ok ? {} : { ...checked.errors }
  const username = checked.ok ? checked.value.username : validString(body, 'username', errors)
  const email = checked.ok ? checked.value.email : validString(body, 'email', errors)
  if (username !== undefined && (await usernameTaken(users, username))) {
    errors.username = ['A user with that username already exists.']
  }
  const owner = email === undefined ? undefined : await users.findByEmail(email)
  if (owner !== undefined && users.reserveId === undefined) errors.email = ['This field must be unique.']
  if (!checked.ok || Object.keys(errors).length > 0) {
    const ordered: FieldErrors = {}
    for (const field of FIELD_ORDER) if (errors[field]) ordered[field] = errors[field]
    for (const [field, messages] of Object.entries(errors)) if (!ordered[field]) ordered[field] = messages
    throw new ValidationFailed(ordered)
  }
  const { value } = checked
  // Hashed whether or not an account is made: the time spent does not tell.
  const passwordHash = await hasher.hash(value.password)
  if (owner !== undefined) return existing(users, owner, value)
  try {
    return {
      created: true,
      user: await users.create({ username: value.username, email: value.email, passwordHash }),
    }
  } catch (error) {
    // Another registration took the address meanwhile: answered like this one would have been.
    const raced =
      error instanceof UniqueViolation && error.fields.length === 1 && error.fields[0] === 'email'
        ? await users.findByEmail(value.email)
        : undefined
    if (raced === undefined || users.reserveId === undefined) throw error
    return existing(users, raced, value)
  }
}

async function existing(
  users: UserStore,
  owner: UserRecord,
  value: { username: string; email: string },
): Promise<RegistrationOutcome> {
  const id = await (users.reserveId as () => Promise<number>)()
  return { created: false, owner, id, username: value.username, email: value.email }
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
