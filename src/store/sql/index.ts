/**
 * `tessera/store/sql`: every store port on one SQL database (SQLite or PostgreSQL) through Kysely.
 *
 * ```ts
 * const stores = await openStores('sqlite:var/tessera.db')
 * await migrateToLatest(stores.db)
 * const user = await stores.users.findByUsername('alice')
 * await stores.lifecycle.close()
 * ```
 */
import { type Kysely, sql } from 'kysely'
import type { StoreLifecycle, Stores, UserStore } from '../ports.js'
import { SqlAdminStore } from './admin.js'
import { AppUserStore, type AppUsersTable } from './app-users.js'
import { SqlAccountTokenStore } from './account-tokens.js'
import { SqlAuditStore } from './audit.js'
import { SqlApiClientStore } from './clients.js'
import { type OpenDatabaseOptions, type SqlDatabase, type SqlDialect, openDatabase } from './connect.js'
import { SqlTokenLedger } from './ledger.js'
import { SqlMfaStore } from './mfa.js'
import { SqlPasskeyStore } from './passkeys.js'
import { SqlOutboxStore } from './outbox.js'
import { SqlRevocationStore } from './revocations.js'
import type { Database } from './schema.js'
import { SqlUserStore } from './users.js'

export {
  type OpenDatabaseOptions,
  type SqlDatabase,
  type SqlDialect,
  currentSchema,
  databaseOf,
  openDatabase,
  sqlitePath,
} from './connect.js'
export { type MigrationState, migrateDown, migrateToLatest, migrationStatus } from './migrate.js'
export { DATABASE_COLUMNS, type Database } from './schema.js'
export { isUnavailableError } from './unavailable.js'
export {
  AppUserStore,
  SqlAdminStore,
  type AppUsersTable,
  SqlAccountTokenStore,
  SqlAuditStore,
  SqlOutboxStore,
  SqlApiClientStore,
  SqlMfaStore,
  SqlPasskeyStore,
  SqlRevocationStore,
  SqlTokenLedger,
  SqlUserStore,
}

/**
 * Every store on one database, plus what the composition root and the CLI need of it. `Users` is
 * any users store: `SqlStores<SqlUserStore>` for Tessera's own, as `openStores` gives, or an app's
 * users store given to `createStores(database, users)` (`createStores(database, users)`).
 */
export interface SqlStores<Users extends UserStore = UserStore> extends Stores {
  users: Users
  ledger: SqlTokenLedger
  revocations: SqlRevocationStore
  audit: SqlAuditStore
  /** Introspection clients (not part of `Stores`: only the SQL store keeps them). */
  clients: SqlApiClientStore
  /** Single-use link tokens (password reset, e-mail verification and change). */
  accountTokens: SqlAccountTokenStore
  /** The mail outbox. */
  outbox: SqlOutboxStore
  /** TOTP secrets, recovery codes and pending second steps of logins. */
  mfa: SqlMfaStore
  /** Passkeys and WebAuthn challenges. */
  passkeys: SqlPasskeyStore
  /** The admin API's lists and changes over Tessera's own tables (users, groups, tokens, audit, clients). */
  admin: SqlAdminStore
  /** The Kysely instance: for migrations and for tests. */
  db: Kysely<Database>
  dialect: SqlDialect
  /** Closes the database; the same as `lifecycle.close()`. */
  destroy(): Promise<void>
}

/**
 * The stores of an already open database. With `users` (an app's own users table, say an
 * `AppUserStore`), the ledger reads users through it instead of Tessera's `users` table.
 */
export function createStores(database: SqlDatabase): SqlStores<SqlUserStore>
export function createStores<Users extends UserStore>(database: SqlDatabase, users: Users): SqlStores<Users>
export function createStores(database: SqlDatabase, users?: UserStore): SqlStores<UserStore> {
  let closing: Promise<void> | undefined
  const audit = new SqlAuditStore(database)
  // Idempotent: the server's shutdown and a CLI's `finally` may both close. Queued audit events
  // are stored first.
  const close = () => {
    closing ??= audit.drain().then(() => database.destroy())
    return closing
  }
  const lifecycle: StoreLifecycle = {
    async ping() {
      await sql`select 1`.execute(database.db)
    },
    close,
  }
  return {
    users: users ?? new SqlUserStore(database),
    ledger: new SqlTokenLedger(database, users),
    revocations: new SqlRevocationStore(database),
    audit,
    clients: new SqlApiClientStore(database),
    accountTokens: new SqlAccountTokenStore(database),
    outbox: new SqlOutboxStore(database),
    mfa: new SqlMfaStore(database),
    passkeys: new SqlPasskeyStore(database),
    admin: new SqlAdminStore(database, audit),
    lifecycle,
    db: database.db,
    dialect: database.dialect,
    destroy: close,
  }
}

/**
 * Opens the database at `url` (see `openDatabase`) and returns every store on it. Does not
 * migrate: call `migrateToLatest(stores.db)` (the server does at startup outside production).
 */
export async function openStores(
  url: string,
  options: OpenDatabaseOptions = {},
): Promise<SqlStores<SqlUserStore>> {
  return createStores(await openDatabase(url, options))
}
