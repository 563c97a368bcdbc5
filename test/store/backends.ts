/**
 * Fresh, migrated SQL stores for the contract suites: SQLite in a temporary file, PostgreSQL in a
 * random schema that is dropped afterwards. PostgreSQL must be reachable: a suite fails, never
 * skips, when it is not.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import {
  AppUserStore,
  createStores,
  databaseOf,
  migrateToLatest,
  openStores,
  type SqlStores,
  type SqlUserStore,
} from '../../src/store/sql/index.js'
import { ACCOUNTS, createAccountsTable } from './app-users-table.js'

export type Backend = 'sqlite' | 'postgres'
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres']

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
/** The test machine's Redis, for the suites that run against a real one. */
export const REDIS_URL = 'redis://127.0.0.1:6379'

/** Whose users table the stores use: Tessera's `users`, or an app's `accounts` (`AppUserStore`). */
export type UsersTable = 'tessera' | 'app'
export const USERS_TABLES: readonly UsersTable[] = ['tessera', 'app']

export interface TestStores<Users extends SqlUserStore | AppUserStore = SqlUserStore> {
  stores: SqlStores<Users>
  /** Closes the stores and removes the database (file or schema). */
  dispose(): Promise<void>
}

export const randomSchemaName = (): string =>
  `store_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`

/** Opened but not migrated. */
export async function openEmpty(backend: Backend): Promise<TestStores> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'))
    // A nested path: openDatabase creates the missing folder.
    const stores = await openStores(`sqlite:${join(dir, 'nested', 'db.sqlite3')}`)
    return {
      stores,
      async dispose() {
        await stores.destroy()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const schema = randomSchemaName()
  const stores = await openStores(PG_URL, { schema, poolSize: 5 })
  return {
    stores,
    async dispose() {
      try {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(stores.db)
      } finally {
        await stores.destroy()
      }
    },
  }
}

/** Opened and migrated to the latest version. */
export async function openMigrated(backend: Backend): Promise<TestStores> {
  const opened = await openEmpty(backend)
  try {
    await migrateToLatest(opened.stores.db)
  } catch (error) {
    await opened.dispose()
    throw error
  }
  return opened
}

/**
 * Opened and migrated, with the users of `users`: Tessera's table, or an app's `accounts` table
 * created beside Tessera's and read through `AppUserStore`.
 */
export async function openMigratedWith(
  backend: Backend,
  users: UsersTable,
): Promise<TestStores<SqlUserStore | AppUserStore>> {
  const opened = await openMigrated(backend)
  if (users === 'tessera') return opened
  try {
    await createAccountsTable(opened.stores.db, backend)
  } catch (error) {
    await opened.dispose()
    throw error
  }
  const database = databaseOf(opened.stores.db)
  const stores = createStores(database, new AppUserStore(database, ACCOUNTS))
  return { stores, dispose: opened.dispose }
}
