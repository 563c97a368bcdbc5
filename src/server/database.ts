import { ServiceUnavailable } from '../core/errors.js'
import type { Settings } from '../settings/types.js'
import type { UserStore } from '../store/ports.js'
import {
  createStores,
  isUnavailableError,
  openDatabase,
  type SqlStores,
  type SqlUserStore,
} from '../store/sql/index.js'

type DatabaseSettings = Pick<Readonly<Settings>, 'DATABASE_URL' | 'DATABASE_SCHEMA'>

/**
 * The stores on the configured database, in `DATABASE_SCHEMA` when set (PostgreSQL). With
 * `users` (an app's own users table), that store replaces Tessera's `users` table.
 */
export function openConfiguredStores(
  settings: DatabaseSettings,
  poolSize: number,
): Promise<SqlStores<SqlUserStore>>
export function openConfiguredStores(
  settings: DatabaseSettings,
  poolSize: number,
  users: UserStore | undefined,
): Promise<SqlStores<UserStore>>
export async function openConfiguredStores(
  settings: DatabaseSettings,
  poolSize: number,
  users?: UserStore,
): Promise<SqlStores<UserStore>> {
  const database = await openDatabase(settings.DATABASE_URL, {
    poolSize,
    ...(settings.DATABASE_SCHEMA === null ? {} : { schema: settings.DATABASE_SCHEMA }),
  })
  return users === undefined ? createStores(database) : createStores(database, users)
}

/** Where a database URL points, without its user or password: `host:port/name` or the file. */
export function databaseLocation(url: string): string {
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length)
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`
  } catch {
    return 'the configured database'
  }
}

/** The driver's own words: the innermost cause, every attempt of an AggregateError (IPv4 and 6). */
function causeText(error: unknown): string {
  let inner = error
  while (inner instanceof Error && inner.cause !== undefined && inner.cause !== inner) inner = inner.cause
  if (inner instanceof AggregateError && inner.errors.length > 0) {
    return [...new Set(inner.errors.map((one) => causeText(one)))].join('; ')
  }
  return inner instanceof Error ? inner.message : String(inner)
}

/**
 * An operator's message for a database that cannot be reached: where (host, port and database,
 * never the credentials), under which variable it was set, and the driver's cause. Other errors
 * are returned as they are.
 */
export function explainDatabaseError(error: unknown, url: string, source: string): unknown {
  if (
    !(error instanceof ServiceUnavailable && error.dependency === 'database') &&
    !isUnavailableError(error)
  ) {
    return error
  }
  return new Error(`cannot reach the database at ${databaseLocation(url)} (${source}): ${causeText(error)}`, {
    cause: error,
  })
}
