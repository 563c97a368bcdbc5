/**
 * Django's `UnicodeUsernameValidator` (the default on `AbstractUser.username`):
 * `^[\w.@+-]+\Z` with Unicode `\w`. `\Z` is the very end, so a trailing newline is refused.
 */
import { PY_WORD_CLASS } from './python-text.js'

const USERNAME_RE = new RegExp(`^[${PY_WORD_CLASS}.@+-]+$`, 'u')

/** Django's message for a username the validator refuses. */
export const INVALID_USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'

/** Django's `UnicodeUsernameValidator()(value)` as a predicate. */
export function isValidUsername(value: string): boolean {
  return USERNAME_RE.test(value)
}
