/** The SQLSTATEs the ledger acts on (PostgreSQL), and how to read one off a driver's error. */

/** A function a migration creates is missing: the database is not migrated yet (a rolling upgrade). */
export const UNDEFINED_FUNCTION = '42883'

/** Raised by `tessera_rotate()` (migration 0005): a logout blacklisted the token during its rotation. */
export const BLACKLISTED_DURING_ROTATION = 'TSR01'

/** The `code` pg puts on a database error (its SQLSTATE); undefined for anything else. */
export function sqlStateOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
}
