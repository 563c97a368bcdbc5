/**
 * The form under which two usernames count as the same name for a new registration: NFKC (as
 * Django's `normalize_username`), then case-folded (upper then lower case, so `ß` and `SS` meet,
 * like Python's `casefold()` for the common cases). Stored beside each username so that the check
 * is one indexed lookup on every dialect, whatever the database's own collation or `lower()`.
 */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC')
}
