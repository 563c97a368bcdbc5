/** Recognises unique-constraint violations of the users table on both dialects. */

export type UniqueField = 'username' | 'email'

/**
 * The user fields a unique-violation error names, or null when `error` is something else.
 * PostgreSQL reports SQLSTATE 23505 with the constraint name (`users_username_key`,
 * `users_email_lower_key`); SQLite reports `SQLITE_CONSTRAINT_UNIQUE` with
 * `users.username` or `index 'users_email_lower_key'` in the message.
 */
export function uniqueViolationFields(error: unknown): UniqueField[] | null {
  if (!(error instanceof Error)) return null
  const { code, constraint } = error as { code?: unknown; constraint?: unknown }
  let where: string
  if (code === '23505') where = typeof constraint === 'string' ? constraint : error.message
  else if (code === 'SQLITE_CONSTRAINT_UNIQUE') where = error.message
  else return null
  const fields: UniqueField[] = []
  if (where.includes('username')) fields.push('username')
  if (where.includes('email')) fields.push('email')
  return fields.length === 0 ? null : fields
}
