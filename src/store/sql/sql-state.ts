/** The SQLSTATEs the ledger acts on (PostgreSQL), and how to read one off a driver's error. */

/** Raised by `tessera_refresh()` (migration 0009): a logout blacklisted the token during its rotation. */
export const BLACKLISTED_DURING_ROTATION = 'TSR01'

/** The `code` pg puts on a database error (its SQLSTATE); undefined for anything else. */
export function sqlStateOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}
