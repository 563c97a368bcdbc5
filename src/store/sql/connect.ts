/**
 * Opens a Kysely instance from a `DATABASE_URL`: SQLite through better-sqlite3 or PostgreSQL
 * through a `pg` pool. This is the only file that knows the drivers, and it loads only the one the
 * URL names (see the loaders below).
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, sql, type Dialect } from 'kysely'
import type pg from 'pg'
import { BoundedMap } from '../../core/bounded-map.js'
import { SettingsError } from '../../core/errors.js'
import type { Database } from './schema.js'
import { groupCommit, ownTransactions, type Writers } from './group-commit.js'
import { withUnavailableErrors } from './unavailable.js'

export type SqlDialect = 'sqlite' | 'postgres'

export interface OpenDatabaseOptions {
  /** Largest number of PostgreSQL connections (default 10). SQLite always uses one connection. */
  poolSize?: number
  /** PostgreSQL schema used as `search_path` (created if missing): isolates tests and tenants. */
  schema?: string
}

/** An open database: the Kysely instance, which dialect it speaks, and how to close it. */
export interface SqlDatabase {
  readonly db: Kysely<Database>
  readonly dialect: SqlDialect
  /**
   * The PostgreSQL schema given to `openDatabase`; null on SQLite, and when the connection's own
   * `search_path` decides (say `?options=-c search_path=…` in the URL): see `currentSchema`.
   */
  readonly schema: string | null
  /**
   * How stores write: `transaction(work)` for several statements that must commit together,
   * `write(work)` for one statement. On SQLite both join a group commit (`group-commit.ts`).
   */
  readonly writers: Writers
  /** Closes the pool or the SQLite file. */
  destroy(): Promise<void>
}

/** How long a SQLite writer waits for another process's lock before failing with `SQLITE_BUSY`. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000
const PG_INT8_OID = 20
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Opens `sqlite:path/to/file.db` (relative to the working directory; its folder is created),
 * `sqlite:/absolute/path.db`, `sqlite::memory:`, or `postgres://…` / `postgresql://…`.
 *
 * @throws SettingsError for a URL of another kind or an invalid schema name.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<SqlDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(sqlitePath(url))
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options)
  throw new SettingsError('DATABASE_URL', 'expected sqlite:<path>, sqlite::memory: or postgres://…')
}

/** The file path of a `sqlite:` URL; `sqlite:///abs` and `sqlite://rel` are accepted too. */
export function sqlitePath(url: string): string {
  let path = url.slice('sqlite:'.length)
  if (path === ':memory:') return path
  if (path.startsWith('//')) path = path.slice(2)
  if (path === '') throw new SettingsError('DATABASE_URL', 'sqlite: URL without a path')
  return resolve(path)
}

/**
 * The drivers are loaded when a URL needs them, not with this module: a process on SQLite never
 * loads `pg`, and one on PostgreSQL never loads the better-sqlite3 addon. It matters beyond memory.
 * Module loading runs Node's shared internals (events, streams, promises) on other objects than
 * the HTTP path's, and V8 then runs those functions less specialised, so every request of the
 * process pays, even for merely loading Node's bundled fetch (undici, which `pg` pulls in on Node 20:
 * `pg/lib/stream.js` builds a `Response` to detect Cloudflare). Measurements: bench/FINDINGS.md.
 */
const require = createRequire(import.meta.url)
const loadBetterSqlite3 = () => require('better-sqlite3') as typeof BetterSqlite3
const loadPg = () => require('pg') as typeof pg

function openSqlite(path: string): SqlDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const connection = new (loadBetterSqlite3())(path)
  // WAL lets readers in other processes (the CLI, a second instance) work while this one writes.
  connection.pragma('journal_mode = WAL')
  // In WAL mode NORMAL never corrupts the database; it may lose the last commits on power loss
  // (not on a process crash), and spares an fsync per commit: SQLite's own advice for WAL.
  connection.pragma('synchronous = NORMAL')
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
  connection.pragma('foreign_keys = ON')
  // Kysely's SQLite driver holds its single connection behind a mutex for the whole of a
  // transaction, so concurrent async transactions run one after another, never interleaved.
  return handle(new SqliteDialect({ database: withStatementCache(connection) }), 'sqlite', null)
}

const STATEMENT_CACHE_SIZE = 256

/**
 * Kysely prepares every query anew; compiling the same SQL again and again was a tenth of a
 * refresh's cost. Tessera's queries are a fixed set, so their statements are kept (bounded) and
 * reused: better-sqlite3 statements may run any number of times on their one connection.
 */
function withStatementCache(connection: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new BoundedMap<string, BetterSqlite3.Statement>(STATEMENT_CACHE_SIZE)
  const prepare = connection.prepare.bind(connection)
  return new Proxy(connection, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver)
        // Native methods must run on the real connection, not on the proxy.
        return typeof value === 'function' ? value.bind(target) : value
      }
      return (sql: string) => {
        let statement = cache.get(sql)
        if (statement === undefined) {
          statement = prepare(sql)
          cache.set(sql, statement)
        }
        return statement
      }
    },
  })
}

async function openPostgres(url: string, options: OpenDatabaseOptions): Promise<SqlDatabase> {
  const schema = options.schema ?? null
  if (schema !== null && !IDENTIFIER.test(schema)) {
    throw new SettingsError('DATABASE_URL', `invalid PostgreSQL schema name: ${schema}`)
  }
  const { Pool, types } = loadPg()
  const { connectionString, options: urlOptions } = withoutOptions(url)
  const pool = new Pool({
    connectionString,
    max: options.poolSize ?? 10,
    // Per-pool parsers, not pg's global ones, so other pg users in the process are unaffected.
    // int8 holds epoch milliseconds, ids and counts: all far below 2^53.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
    },
    // pg lets the URL's `options` replace the pool's: they are merged, the schema's search_path
    // last, so it wins over one the URL sets.
    ...(schema === null
      ? urlOptions === null
        ? {}
        : { options: urlOptions }
      : { options: `${urlOptions ?? ''} -c search_path=${schema}`.trim() }),
  })
  // An idle client losing its connection emits 'error' on the pool, which would crash the process
  // if nobody listened. The next query reports the outage instead (as ServiceUnavailable).
  pool.on('error', () => {})
  // A client checked out between two statements (inside a transaction) has no pool listener: the
  // same outage would surface as an uncaught 'error' there. The pending or next query reports it.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  const database = handle(new PostgresDialect({ pool }), 'postgres', schema)
  if (schema !== null) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(database.db)
    } catch (error) {
      await database.destroy()
      throw error
    }
  }
  return database
}

/** The URL without its `options` parameter, and that parameter (null when absent). */
function withoutOptions(url: string): { connectionString: string; options: string | null } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { connectionString: url, options: null }
  }
  const options = parsed.searchParams.get('options')
  if (options === null) return { connectionString: url, options: null }
  parsed.searchParams.delete('options')
  return { connectionString: parsed.toString(), options }
}

/** Handles by their Kysely instance, so code given only `db` can learn its dialect. */
const opened = new WeakMap<Kysely<Database>, SqlDatabase>()

function handle(dialect: Dialect, name: SqlDialect, schema: string | null): SqlDatabase {
  const db = new Kysely<Database>({ dialect: withUnavailableErrors(dialect) })
  const writers = name === 'sqlite' ? groupCommit(db) : ownTransactions(db)
  const database: SqlDatabase = { db, dialect: name, schema, writers, destroy: () => db.destroy() }
  opened.set(db, database)
  return database
}

/**
 * The handle of a Kysely instance made by `openDatabase`, or the handle itself.
 *
 * @throws TypeError for a Kysely instance that `openDatabase` did not make.
 */
export function databaseOf(target: Kysely<Database> | SqlDatabase): SqlDatabase {
  if (!(target instanceof Kysely)) return target
  const database = opened.get(target)
  if (database === undefined) throw new TypeError('this Kysely instance was not opened by openDatabase()')
  return database
}

/** The schema unqualified table names resolve to on PostgreSQL; null on SQLite. */
export async function currentSchema(database: SqlDatabase): Promise<string | null> {
  if (database.dialect === 'sqlite') return null
  if (database.schema !== null) return database.schema
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)
  return rows[0]?.schema ?? 'public'
}
