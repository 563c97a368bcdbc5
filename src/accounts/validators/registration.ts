/**
 * The `POST /api/register/` body, validated as the reference server's DRF ModelSerializer does
 * (`username`, `email`, `password` on Django's user model), uniqueness aside: that needs the
 * store and is the registration service's job.
 */
import { passwordLengthError } from '../passwords/limits.js'
import { INVALID_EMAIL_MESSAGE, isValidEmailAddress } from './email.js'
import { type CharFieldSpec, type FieldResult, pythonTypeName, runCharField } from './drf-fields.js'
import { validatePassword } from './password.js'
import {
  INVALID_USERNAME_MESSAGE,
  isSingleScript,
  isValidUsername,
  MIXED_SCRIPT_USERNAME_MESSAGE,
  normalizeUsername,
} from './username.js'

/** `AbstractUser.username` max_length. */
export const MAX_USERNAME_LENGTH = 150
/** `EmailField` max_length (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254

// Validator order is DRF's: the model field's own validators come first, then those CharField
// appends (max length, null characters, surrogates), then those a subclass appends (EmailField).
// Tessera's own rules come right after Django's username validator: no mixed scripts, and no
// "@" where an e-mail address is a login name (a username equal to someone's e-mail would
// squat their login).
const usernameField = (rules: UsernameRules): CharFieldSpec => ({
  validators: [
    (v) => (isValidUsername(v) ? null : INVALID_USERNAME_MESSAGE),
    (v) => (isSingleScript(v) ? null : MIXED_SCRIPT_USERNAME_MESSAGE),
    ...(rules.emailIsLoginName
      ? [(v: string) => (v.includes('@') ? EMAIL_LIKE_USERNAME_MESSAGE : null)]
      : []),
  ],
  maxLength: MAX_USERNAME_LENGTH,
})
const USERNAME_FIELD = usernameField({ emailIsLoginName: false })
const EMAIL_FIELD: CharFieldSpec = {
  maxLength: MAX_EMAIL_LENGTH,
  validatorsAfter: [(v) => (isValidEmailAddress(v) ? null : INVALID_EMAIL_MESSAGE)],
}
// Passwords are never trimmed: leading and trailing spaces are part of the secret.
const PASSWORD_FIELD: CharFieldSpec = { trimWhitespace: false, validators: [passwordLengthError] }

/** Rules for new usernames that depend on the settings. */
export interface UsernameRules {
  /** `LOGIN_FIELD` is `username_or_email`: a login name with "@" is an e-mail, never a username. */
  emailIsLoginName: boolean
}

/** Refused in `username_or_email` mode: such a username could take over someone's e-mail login. */
export const EMAIL_LIKE_USERNAME_MESSAGE =
  'Enter a valid username. This value may not contain "@" while e-mail addresses are accepted as login names.'

/** A registration body that passed every check but uniqueness. */
export interface RegistrationInput {
  username: string
  email: string
  password: string
}

/** The outcome of {@link validateRegistrationInput}: DRF's `{field: [messages]}` on failure. */
export type RegistrationResult =
  | { ok: true; value: RegistrationInput }
  | { ok: false; errors: Record<string, string[]> }

/**
 * Validates a parsed JSON body for registration. Errors are keyed `username`, `email`,
 * `password`, in that order; the password validators run when the password field itself is
 * valid, against a user made of the username and email that are valid (Django builds an unsaved
 * User from the input). The username is NFKC-normalised first, as Django's `normalize_username`. A body that is not a JSON object gets DRF's `non_field_errors`:
 * `null` → "No data provided", others → "Invalid data. Expected a dictionary, but got list.".
 * A missing body (`undefined`) is DRF's empty `request.data`, i.e. `{}`.
 */
export function validateRegistrationInput(
  body: unknown,
  rules: UsernameRules = { emailIsLoginName: false },
): RegistrationResult {
  if (body === null) return { ok: false, errors: { non_field_errors: ['No data provided'] } }
  const data = body === undefined ? {} : body
  if (typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(data)}.`] },
    }
  }
  const fields = data as Record<string, unknown>
  // Django's `normalize_username`: compatibility forms (full-width letters, ligatures) become the
  // plain letters before any check, so the name stored is the name a login normalises to.
  const rawUsername = fields.username
  const username = runCharField(
    Object.hasOwn(fields, 'username'),
    typeof rawUsername === 'string' ? normalizeUsername(rawUsername) : rawUsername,
    usernameField(rules),
  )
  const email = readEmailField(Object.hasOwn(fields, 'email'), fields.email)
  const password = runCharField(Object.hasOwn(fields, 'password'), fields.password, PASSWORD_FIELD)
  if (password.ok) {
    const messages = validatePassword(password.value, {
      username: username.ok ? username.value : null,
      email: email.ok ? email.value : null,
    })
    if (messages.length > 0) return failure(username, email, { ok: false, errors: messages })
  }
  if (username.ok && email.ok && password.ok) {
    return { ok: true, value: { username: username.value, email: email.value, password: password.value } }
  }
  return failure(username, email, password)
}

/**
 * The username checks of the register serializer: trimmed as DRF trims, then blank, Django's
 * username validator, 150 characters, no NUL or surrogates. The messages, or `[]`. For the CLI.
 */
export function validateUsername(value: string): string[] {
  const result = runCharField(true, value, USERNAME_FIELD)
  return result.ok ? [] : result.errors
}

/**
 * The `email` field of a JSON body as the register serializer reads it (`present` false when the
 * key is missing): the one e-mail rule for registration and `PATCH /api/me/`.
 */
export function readEmailField(present: boolean, data: unknown): FieldResult {
  return runCharField(present, data, EMAIL_FIELD)
}

/**
 * The email checks of the register serializer: trimmed as DRF trims, then blank, 254
 * characters, no NUL or surrogates, Django's EmailValidator. The messages, or `[]`. For the CLI.
 */
export function validateEmail(value: string): string[] {
  const result = runCharField(true, value, EMAIL_FIELD)
  return result.ok ? [] : result.errors
}

function failure(...results: [FieldResult, FieldResult, FieldResult]): RegistrationResult {
  const errors: Record<string, string[]> = {}
  const names = ['username', 'email', 'password'] as const
  results.forEach((result, i) => {
    const name = names[i]
    if (!result.ok && name !== undefined) errors[name] = result.errors
  })
  return { ok: false, errors }
}
