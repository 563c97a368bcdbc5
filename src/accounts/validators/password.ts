/**
 * Django 3.2's four default password validators (`AUTH_PASSWORD_VALIDATORS` of a new project),
 * run in Django's order with Django's English messages, as `validate_password()` does: every
 * validator runs and all their messages are returned together.
 */
import { commonPasswords } from './common-passwords.js'
import { pyIsDigit, pyLen, pySplitNonWord, pyStrip } from './python-text.js'
import { quickRatio } from './sequence-matcher.js'

/** The user attributes the similarity check reads; absent or empty ones are skipped. */
export interface PasswordUser {
  username?: string | null | undefined
  email?: string | null | undefined
  first_name?: string | null | undefined
  last_name?: string | null | undefined
}

/** A validator returns its message, or null when the password passes. */
export type PasswordValidator = (password: string, user?: PasswordUser) => string | null

/** `DEFAULT_USER_ATTRIBUTES` with each field's `verbose_name` on Django's `AbstractUser`. */
const USER_ATTRIBUTES = [
  ['username', 'username'],
  ['first_name', 'first name'],
  ['last_name', 'last name'],
  ['email', 'email address'],
] as const

/** Django's default `max_similarity`. */
export const MAX_SIMILARITY = 0.7
/** Django's default `min_length`. */
export const MIN_PASSWORD_LENGTH = 8

/**
 * UserAttributeSimilarityValidator: each attribute is split on runs of non-word characters, and
 * the parts plus the whole value are compared with `quick_ratio() >= 0.7`. The first attribute
 * that is too similar gives the only message.
 */
export const userAttributeSimilarity: PasswordValidator = (password, user) => {
  if (user === undefined) return null
  const lowered = password.toLowerCase()
  for (const [attribute, verboseName] of USER_ATTRIBUTES) {
    const value = user[attribute]
    if (typeof value !== 'string' || value === '') continue
    for (const part of [...pySplitNonWord(value), value]) {
      if (quickRatio(lowered, part.toLowerCase()) >= MAX_SIMILARITY) {
        return `The password is too similar to the ${verboseName}.`
      }
    }
  }
  return null
}

/** MinimumLengthValidator (8 characters, counted as Python counts them). */
export const minimumLength: PasswordValidator = (password) =>
  pyLen(password) < MIN_PASSWORD_LENGTH
    ? `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`
    : null

/** CommonPasswordValidator: `password.lower().strip()` is in the common list. */
export const commonPassword: PasswordValidator = (password) =>
  commonPasswords().has(pyStrip(password.toLowerCase())) ? 'This password is too common.' : null

/** NumericPasswordValidator: Python's `password.isdigit()`. */
export const numericPassword: PasswordValidator = (password) =>
  pyIsDigit(password) ? 'This password is entirely numeric.' : null

/** The four validators in Django's default order. */
export const DEFAULT_PASSWORD_VALIDATORS: readonly PasswordValidator[] = Object.freeze([
  userAttributeSimilarity,
  minimumLength,
  commonPassword,
  numericPassword,
])

/**
 * Django's `validate_password(password, user)`: the messages of every failing validator, in
 * order; an empty array when the password is acceptable.
 *
 * @example validatePassword('1234', { username: 'bob', email: 'bob@example.com' })
 * // ['This password is too short. It must contain at least 8 characters.',
 * //  'This password is too common.', 'This password is entirely numeric.']
 */
export function validatePassword(password: string, user?: PasswordUser): string[] {
  const messages: string[] = []
  for (const validator of DEFAULT_PASSWORD_VALIDATORS) {
    const message = validator(password, user)
    if (message !== null) messages.push(message)
  }
  return messages
}
