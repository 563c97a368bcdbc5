/** Versioned migrations on both backends: up from empty, step-by-step down and up, and the live schema. */
import { Kysely, SqliteDialect, sql } from 'kysely'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import {
  currentSchema,
  DATABASE_COLUMNS,
  type Database,
  databaseOf,
  migrateDown,
  migrateToLatest,
  migrationStatus,
  openStores,
  type SqlStores,
} from '../../src/store/sql/index.js'
import { MIGRATIONS } from '../../src/store/sql/migrations/index.js'
import { BACKENDS, openEmpty, PG_URL, randomSchemaName, type TestStores } from './backends.js'

const ALL = Object.keys(MIGRATIONS)
const TABLES = Object.keys(DATABASE_COLUMNS).sort()

/** Our functions in the database (PostgreSQL only; SQLite has none). */
async function liveFunctions(stores: SqlStores): Promise<string[]> {
  const schema = await currentSchema(databaseOf(stores.db))
  if (schema === null) return []
  const { rows } = await sql<{ name: string }>`
    select routine_name as name from information_schema.routines
    where routine_schema = ${schema} order by routine_name`.execute(stores.db)
  return rows.map((row) => row.name)
}

/**
 * Our tables in the database (Kysely's bookkeeping excluded), with their column names. On
 * PostgreSQL only this schema is read: Kysely's introspection reads every schema, and another test
 * file may drop its own while it does.
 */
async function liveTables(stores: SqlStores): Promise<Record<string, string[]>> {
  const schema = await currentSchema(databaseOf(stores.db))
  const live: Record<string, string[]> = {}
  if (schema === null) {
    for (const table of await stores.db.introspection.getTables()) {
      live[table.name] = table.columns.map((column) => column.name).sort()
    }
    return live
  }
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = ${schema} and t.table_type = 'BASE TABLE'
      and c.table_name not in ('kysely_migration', 'kysely_migration_lock')`.execute(stores.db)
  for (const { table_name, column_name } of rows)
    live[table_name] = [...(live[table_name] ?? []), column_name]
  for (const columns of Object.values(live)) columns.sort()
  return live
}

for (const backend of BACKENDS) {
  describe(`migrations (${backend})`, () => {
    let opened: TestStores | undefined
    afterEach(async () => {
      await opened?.dispose()
      opened = undefined
    })

    it('migrates an empty database to the latest version, once', async () => {
      opened = await openEmpty(backend)
      const { db } = opened.stores
      expect(await liveTables(opened.stores)).toEqual({})
      expect(await migrationStatus(db)).toEqual(ALL.map((name) => ({ name, executedAt: undefined })))

      expect(await migrateToLatest(db)).toEqual(ALL)
      const status = await migrationStatus(db)
      expect(status.map((s) => s.name)).toEqual(ALL)
      for (const state of status) expect(state.executedAt).toBeInstanceOf(Date)
      expect(await migrateToLatest(db)).toEqual([])
    })

    it('creates every table and column of the Database type, and nothing else', async () => {
      opened = await openEmpty(backend)
      await migrateToLatest(opened.stores.db)
      const live = await liveTables(opened.stores)
      expect(Object.keys(live).sort()).toEqual(TABLES)
      for (const [table, columns] of Object.entries(DATABASE_COLUMNS)) {
        expect(live[table], table).toEqual(Object.keys(columns).sort())
      }
    })

    it('0008 fills in the username key of the users already there', async () => {
      opened = await openEmpty(backend)
      const { db } = opened.stores
      await migrateToLatest(db)
      expect(await migrateDown(db)).toEqual(['0012_mfa'])
      expect(await migrateDown(db)).toEqual(['0011_account_mail'])
      expect(await migrateDown(db)).toEqual(['0010_app_users'])
      expect(await migrateDown(db)).toEqual(['0009_refresh_one_algorithm'])
      expect(await migrateDown(db)).toEqual(['0008_username_key'])
      await sql`insert into users (username, email, password_hash, first_name, last_name, is_active, is_staff, is_superuser, date_joined)
        values ('Zoë', 'zoe@example.com', '!', '', '', ${1}, ${0}, ${0}, ${Date.now()})`.execute(db)
      await migrateToLatest(db)
      expect((await opened.stores.users.findByUsernameKey('ＺＯË'))?.username).toBe('Zoë')
      expect(await opened.stores.users.findByUsernameKey('zoe')).toBeUndefined()
    })

    it("0010 lets refresh tokens name users of an app's own table; going down keeps Tessera's users' tokens and their cascade", async () => {
      opened = await openEmpty(backend)
      const { stores } = opened
      await migrateToLatest(stores.db)
      const owner = await stores.users.create({
        username: 'own',
        email: 'own@example.com',
        passwordHash: 'h',
      })
      const token = (jti: string, userId: number) => ({
        jti,
        userId,
        familyId: jti,
        parentJti: null,
        createdAt: new Date(1000),
        expiresAt: new Date(Date.now() + 60_000),
        userAgent: null,
        ip: null,
      })
      // A user id Tessera's users table does not hold (an app's user): recorded all the same.
      await stores.ledger.recordIssued(token('app-user', owner.id + 1000))
      await stores.ledger.recordIssued(token('own-user', owner.id))
      const jtis = async () =>
        (await stores.db.selectFrom('outstanding_tokens').select('jti').orderBy('jti').execute()).map(
          (r) => r.jti,
        )
      expect(await jtis()).toEqual(['app-user', 'own-user'])
      expect(await migrateDown(stores.db)).toEqual(['0012_mfa'])
      expect(await migrateDown(stores.db)).toEqual(['0011_account_mail'])
      expect(await migrateDown(stores.db)).toEqual(['0010_app_users'])
      expect(await jtis()).toEqual(['own-user'])
      await sql`delete from users where id = ${owner.id}`.execute(stores.db)
      expect(await jtis()).toEqual([])
    })

    it('0011 leaves the accounts already there unverified, and a new address of an account unverified', async () => {
      opened = await openEmpty(backend)
      const { stores } = opened
      await migrateToLatest(stores.db)
      expect(await migrateDown(stores.db)).toEqual(['0012_mfa'])
      expect(await migrateDown(stores.db)).toEqual(['0011_account_mail'])
      await sql`insert into users (username, email, password_hash, first_name, last_name, is_active, is_staff, is_superuser, date_joined)
        values ('old', 'old@example.com', '!', '', '', ${1}, ${0}, ${0}, ${Date.now()})`.execute(stores.db)
      await migrateToLatest(stores.db)
      const old = await stores.users.findByUsername('old')
      expect(old?.emailVerified).toBe(false)
      const verified = await stores.users.update(old?.id ?? 0, { emailVerified: true })
      expect(verified?.emailVerified).toBe(true)
      // The same address in another case stays verified; another address does not.
      expect((await stores.users.update(old?.id ?? 0, { email: 'OLD@example.com' }))?.emailVerified).toBe(
        true,
      )
      expect((await stores.users.update(old?.id ?? 0, { email: 'new@example.com' }))?.emailVerified).toBe(
        false,
      )
    })

    it('goes down one step at a time to empty and back up to a working schema', async () => {
      opened = await openEmpty(backend)
      const { stores } = opened
      await migrateToLatest(stores.db)
      const functions = backend === 'postgres' ? ['tessera_refresh', 'tessera_refresh_many'] : []
      expect(await liveFunctions(stores)).toEqual(functions)
      let objectCount = TABLES.length + functions.length
      for (const name of [...ALL].reverse()) {
        expect(await migrateDown(stores.db)).toEqual([name])
        const remaining = Object.keys(await liveTables(stores)).length + (await liveFunctions(stores)).length
        // Every step removes what it made; 0005, 0006 and 0009 make nothing on SQLite.
        // 0008 adds a column and an index to a table. 0009 replaces 0005's and 0006's three
        // functions with two, so going down it brings one more back.
        if (backend === 'postgres' && /^0009_/.test(name)) expect(remaining).toBe(objectCount + 1)
        else if ((backend === 'sqlite' && /^000[569]_/.test(name)) || /^0008_/.test(name))
          expect(remaining).toBe(objectCount)
        else expect(remaining).toBeLessThan(objectCount)
        objectCount = remaining
        expect((await migrationStatus(stores.db)).find((s) => s.name === name)?.executedAt).toBeUndefined()
      }
      expect(await liveTables(stores)).toEqual({})
      expect(await migrateDown(stores.db)).toEqual([])

      expect(await migrateToLatest(stores.db)).toEqual(ALL)
      expect(Object.keys(await liveTables(stores)).sort()).toEqual(TABLES)
      expect(await liveFunctions(stores)).toEqual(functions)
      const user = await stores.users.create({
        username: 'back',
        email: 'back@example.com',
        passwordHash: 'h',
      })
      expect((await stores.users.findByEmail('BACK@example.com'))?.id).toBe(user.id)
      await stores.revocations.setCutoff(user.id, 1)
      expect((await stores.revocations.cutoffsSince(0)).cutoffs).toEqual([{ userId: user.id, notBefore: 1 }])
    })
  })
}

describe('migrations (postgres, schema chosen by the URL)', () => {
  const schemas = [randomSchemaName(), randomSchemaName()]
  afterEach(async () => {
    const client = new pg.Client(PG_URL)
    await client.connect()
    try {
      for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`)
    } finally {
      await client.end()
    }
  })

  it("migrates each schema on its own, keeping Kysely's bookkeeping in it", async () => {
    const client = new pg.Client(PG_URL)
    await client.connect()
    for (const schema of schemas) await client.query(`create schema ${schema}`)
    await client.end()
    for (const schema of schemas) {
      const stores = await openStores(`${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, {
        poolSize: 2,
      })
      try {
        expect(await currentSchema(databaseOf(stores.db))).toBe(schema)
        expect(await migrateToLatest(stores.db)).toEqual(ALL)
        expect(Object.keys(await liveTables(stores)).sort()).toEqual(TABLES)
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from information_schema.tables
          where table_schema = ${schema} and table_name = 'kysely_migration'`.execute(stores.db)
        expect(rows[0]?.n).toBe(1)
      } finally {
        await stores.destroy()
      }
    }
  })
})

describe('migration entry points', () => {
  it('refuse a Kysely instance that openDatabase did not make', async () => {
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }),
    })
    try {
      await expect(migrateToLatest(db)).rejects.toBeInstanceOf(TypeError)
    } finally {
      await db.destroy()
    }
  })
})
