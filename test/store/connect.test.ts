/** Opening databases from URLs: parsing, SQLite pragmas, PostgreSQL schemas and outages. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { ServiceUnavailable, SettingsError } from '../../src/core/errors.js'
import { openDatabase, openStores, sqlitePath } from '../../src/store/sql/index.js'
import { PG_URL, randomSchemaName } from './backends.js'

describe('sqlitePath', () => {
  it('resolves relative paths against the working directory and keeps absolute ones', () => {
    expect(sqlitePath('sqlite:var/tessera.db')).toBe(resolve('var/tessera.db'))
    expect(sqlitePath('sqlite:/srv/tessera.db')).toBe('/srv/tessera.db')
    expect(sqlitePath('sqlite:///srv/tessera.db')).toBe('/srv/tessera.db')
    expect(sqlitePath('sqlite::memory:')).toBe(':memory:')
  })

  it('refuses a URL without a path', () => {
    expect(() => sqlitePath('sqlite:')).toThrow(SettingsError)
  })
})

describe('openDatabase', () => {
  it('refuses other kinds of URL and unsafe schema names', async () => {
    await expect(openDatabase('mysql://localhost/db')).rejects.toBeInstanceOf(SettingsError)
    await expect(openDatabase(PG_URL, { schema: 'x; drop table users' })).rejects.toBeInstanceOf(
      SettingsError,
    )
  })

  it('opens a SQLite file in a new folder with WAL, a busy timeout and foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-connect-'))
    const file = join(dir, 'a', 'b', 'db.sqlite3')
    const database = await openDatabase(`sqlite:${file}`)
    try {
      expect(database.dialect).toBe('sqlite')
      expect(existsSync(file)).toBe(true)
      const pragma = async (name: string) =>
        Object.values(
          (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(database.db)).rows[0] ?? {},
        )[0]
      expect(await pragma('journal_mode')).toBe('wal')
      expect(await pragma('foreign_keys')).toBe(1)
      expect(await pragma('busy_timeout')).toBe(5000)
    } finally {
      await database.destroy()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('opens an in-memory SQLite database', async () => {
    const stores = await openStores('sqlite::memory:')
    try {
      await expect(stores.lifecycle.ping()).resolves.toBeUndefined()
    } finally {
      await stores.lifecycle.close()
      // Closing twice (server shutdown and a CLI finally) is harmless.
      await stores.lifecycle.close()
    }
  })

  it('creates a missing PostgreSQL schema and works inside it', async () => {
    const schema = randomSchemaName()
    const database = await openDatabase(PG_URL, { schema, poolSize: 2 })
    try {
      expect(database.dialect).toBe('postgres')
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)
      expect(rows[0]?.schema).toBe(schema)
    } finally {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(database.db)
      await database.destroy()
    }
  })

  it('reads PostgreSQL bigints as numbers without changing pg for the rest of the process', async () => {
    const database = await openDatabase(PG_URL, { poolSize: 1 })
    try {
      const { rows } = await sql<{ n: unknown }>`select ${Number.MAX_SAFE_INTEGER}::bigint as n`.execute(
        database.db,
      )
      expect(rows[0]?.n).toBe(Number.MAX_SAFE_INTEGER)
      expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5')
    } finally {
      await database.destroy()
    }
  })
})

describe('outages', () => {
  it('reports an unreachable PostgreSQL as ServiceUnavailable, and a bad query as itself', async () => {
    const down = await openStores('postgres://postgres@127.0.0.1:1/test', { poolSize: 1 })
    try {
      const error = await down.lifecycle.ping().then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(ServiceUnavailable)
      expect((error as ServiceUnavailable).dependency).toBe('database')
    } finally {
      await down.destroy()
    }
    const up = await openStores(PG_URL, { poolSize: 1 })
    try {
      const error = await sql`select * from no_such_table_anywhere`.execute(up.db).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(ServiceUnavailable)
    } finally {
      await up.destroy()
    }
  })
})
