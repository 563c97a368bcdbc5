/**
 * The longest password Tessera accepts, in Unicode code points (Django's and DRF's `len()`).
 * Django capped passwords at 4096 characters for years to bound hashing work; the register
 * serializer of the reference server has the same `max_length`.
 */
export const MAX_PASSWORD_LENGTH = 4096

/**
 * True when `password` has more than {@link MAX_PASSWORD_LENGTH} code points. Counting code
 * points (not UTF-16 units) matches Python's `len(str)`, so an emoji password is not cut short.
 */
export function exceedsMaxPasswordLength(password: string): boolean {
  // A string never has more code points than UTF-16 units: skip the count for the common case.
  if (password.length <= MAX_PASSWORD_LENGTH) return false
  let count = 0
  for (const _ of password) {
    count += 1
    if (count > MAX_PASSWORD_LENGTH) return true
  }
  return false
}

/**
 * The one password length rule, for every endpoint that reads a password (register, login,
 * password change): DRF's max-length message past {@link MAX_PASSWORD_LENGTH} code points, or null.
 */
export function passwordLengthError(password: string): string | null {
  return exceedsMaxPasswordLength(password)
    ? `Ensure this field has no more than ${MAX_PASSWORD_LENGTH} characters.`
    : null
}
