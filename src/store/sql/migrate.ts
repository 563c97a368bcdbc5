/**
 * Applies the versioned migrations of `migrations/` with Kysely's `Migrator`, which records them
 * in `kysely_migration` and holds a lock so two instances starting together do not race.
 */
import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely'
import { type SqlDatabase, type SqlDialect, currentSchema, databaseOf } from './connect.js'
import { MIGRATIONS } from './migrations/index.js'
import type { Database } from './schema.js'

/** A migration known to the code, and when it was applied (undefined: pending). */
export interface MigrationState {
  name: string
  executedAt: Date | undefined
}

async function migratorFor(target: Kysely<Database> | SqlDatabase): Promise<Migrator> {
  const database = databaseOf(target)
  const { db, dialect } = database
  const schema = await currentSchema(database)
  const migrations: Record<string, Migration> = {}
  for (const [name, migration] of Object.entries(MIGRATIONS)) {
    migrations[name] = {
      up: (tx) => atomically(tx, dialect, () => migration.up(tx, dialect)),
      down: (tx) => atomically(tx, dialect, () => migration.down(tx, dialect)),
    }
  }
  return new Migrator({
    db: dialect === 'postgres' && schema !== null ? withSchemaIntrospection(db, schema) : db,
    provider: { getMigrations: async () => migrations },
    // Kysely looks for its bookkeeping table in every schema unless told which one, and would
    // find another schema's table (another tenant, another test) on a shared PostgreSQL database.
    ...(schema === null ? {} : { migrationTableSchema: schema }),
  })
}

/**
 * `db` with an introspector that looks at `schema` alone. Kysely's own lists the tables of every
 * schema (with each column's serial sequence), and fails when another schema on the same database
 * is dropped while it reads (another tenant, another test run); the migrator only asks whether its
 * schema and its bookkeeping tables exist.
 */
function withSchemaIntrospection(db: Kysely<Database>, schema: string): Kysely<Database> {
  const introspection = {
    getSchemas: async () => {
      const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace
        where nspname = ${schema}`.execute(db)
      return rows
    },
    getTables: async () => {
      const { rows } = await sql<{ name: string }>`select table_name as name
        from information_schema.tables where table_schema = ${schema}`.execute(db)
      return rows.map((row) => ({ name: row.name, schema, isView: false, columns: [] }))
    },
    getMetadata: async () => ({ tables: [] }),
  }
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * One migration, all or nothing. PostgreSQL already runs the pending migrations in one
 * transaction (Kysely does, DDL being transactional there); Kysely runs SQLite's without one, so a
 * failure half-way would leave tables behind: there each migration runs under a savepoint (which
 * opens a transaction on its single connection).
 */
async function atomically(
  db: Kysely<unknown>,
  dialect: SqlDialect,
  work: () => Promise<void>,
): Promise<void> {
  if (dialect !== 'sqlite') return work()
  await sql`savepoint tessera_migration`.execute(db)
  try {
    await work()
  } catch (error) {
    await sql`rollback to tessera_migration`.execute(db)
    await sql`release tessera_migration`.execute(db)
    throw error
  }
  await sql`release tessera_migration`.execute(db)
}

function applied({ error, results }: MigrationResultSet, dialect: SqlDialect): string[] {
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName
    const reason = error instanceof Error ? error.message : String(error)
    // An app's own table of the same name (say `users` in `public`): Tessera's belong apart.
    const hint =
      dialect === 'postgres' && /already exists/.test(reason)
        ? "; set DATABASE_SCHEMA to keep Tessera's tables in their own schema"
        : ''
    throw new Error(`migration ${failed ?? '(setup)'} failed: ${reason}${hint} (nothing of it was applied)`, {
      cause: error,
    })
  }
  return (results ?? []).map((result) => result.migrationName)
}

/**
 * Applies every pending migration; returns their names (empty when up to date).
 * Accepts the Kysely instance of `openDatabase()`/`openStores()` or the database handle.
 *
 * @throws Error (with the driver's error as `cause`) naming the migration that failed.
 */
export async function migrateToLatest(target: Kysely<Database> | SqlDatabase): Promise<string[]> {
  const database = databaseOf(target)
  const fresh = !(await hasBookkeeping(database))
  const result = await (await migratorFor(target)).migrateToLatest()
  // A first run that applied nothing leaves nothing, not even Kysely's two bookkeeping tables.
  // (PostgreSQL undid every migration of the run; on SQLite, those before the failure stay.)
  const keptAny = database.dialect === 'sqlite' && result.results?.some((one) => one.status === 'Success')
  if (result.error !== undefined && fresh && !keptAny) await dropBookkeeping(database)
  return applied(result, database.dialect)
}

const BOOKKEEPING = ['kysely_migration_lock', 'kysely_migration'] as const

async function hasBookkeeping(database: SqlDatabase): Promise<boolean> {
  if (database.dialect === 'sqlite') {
    const { rows } = await sql<{
      name: string
    }>`select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(database.db)
    return rows.length > 0
  }
  const schema = (await currentSchema(database)) ?? 'public'
  const { rows } = await sql<{
    found: string | null
  }>`select to_regclass(${`${schema}.kysely_migration`})::text as found`.execute(database.db)
  return rows[0]?.found != null
}

async function dropBookkeeping(database: SqlDatabase): Promise<void> {
  const schema = database.dialect === 'postgres' ? await currentSchema(database) : null
  for (const table of BOOKKEEPING) {
    const name = schema === null ? sql.id(table) : sql.id(schema, table)
    await sql`drop table if exists ${name}`.execute(database.db)
  }
}

/** Reverts the latest applied migration; returns its name (empty when none was applied). */
export async function migrateDown(target: Kysely<Database> | SqlDatabase): Promise<string[]> {
  return applied(await (await migratorFor(target)).migrateDown(), databaseOf(target).dialect)
}

/** Every migration the code knows, in order, with when it was applied. */
export async function migrationStatus(target: Kysely<Database> | SqlDatabase): Promise<MigrationState[]> {
  const migrations = await (await migratorFor(target)).getMigrations()
  return migrations.map(({ name, executedAt }) => ({ name, executedAt }))
}
