/**
 * Issue 17, item 16: each command needs only the settings it uses, Tessera's tables live in their
 * own PostgreSQL schema when told (`DATABASE_SCHEMA`), a failed migration leaves nothing behind and
 * says why, and database and settings errors name what the operator set.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { PG_URL, randomSchemaName } from '../store/backends.js'
import { runCommand } from '../helpers/cli.js'

const FAST = { TESSERA_ARGON2_MEMORY_KIB: '1024', TESSERA_ARGON2_ITERATIONS: '1' }
const dirs: string[] = []
const schemas: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-ops-'))
  dirs.push(dir)
  return dir
}

async function psql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(PG_URL)
  await client.connect()
  try {
    return (await client.query(text, values)).rows as T[]
  } finally {
    await client.end()
  }
}
const tablesIn = async (schema: string) =>
  (
    await psql<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [schema],
    )
  ).map((row) => row.table_name)

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  for (const schema of schemas) await psql(`drop schema if exists ${schema} cascade`)
})

/** A URL whose connections see `schema` first, as an app's database sees `public`. */
const urlOn = (schema: string) =>
  `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`

describe('each command needs only what it uses', () => {
  it('production migrate, createsuperuser and flushexpiredtokens need no signing key nor HTTP settings', async () => {
    const schema = randomSchemaName()
    schemas.push(schema)
    const env = {
      TESSERA_MODE: 'production',
      TESSERA_DATABASE_URL: PG_URL,
      TESSERA_DATABASE_SCHEMA: schema,
      TESSERA_SUPERUSER_PASSWORD: 'Admin-Password-77',
      ...FAST,
    }
    const migrate = await runCommand(env, 'migrate')
    expect(migrate.err).toBe('')
    expect(migrate.code).toBe(0)
    const created = await runCommand(
      env,
      'createsuperuser',
      '--no-input',
      '--username',
      'root',
      '--email',
      'root@example.com',
    )
    expect(created.err).toBe('')
    expect(created.code).toBe(0)
    expect((await runCommand(env, 'flushexpiredtokens')).code).toBe(0)
  })

  it('production keys list needs neither a signing key nor a database', async () => {
    const dir = tempDir()
    const env = { TESSERA_KEY_DIR: join(dir, 'keys') }
    expect((await runCommand({ ...env, TESSERA_ALGORITHM: 'EdDSA' }, 'keys', 'generate')).code).toBe(0)
    const list = await runCommand(
      { ...env, TESSERA_MODE: 'production', TESSERA_DATABASE_URL: 'sqlite:x.db' },
      'keys',
      'list',
    )
    expect(list.err).toBe('')
    expect(list.code).toBe(0)
    expect(list.out).toContain('EdDSA')
  })
})

describe('DATABASE_SCHEMA and migrations', () => {
  it("Tessera's tables beside an app's own users table: a clear failure without a schema, none of ours left", async () => {
    const app = randomSchemaName()
    schemas.push(app)
    await psql(`create schema ${app}; create table ${app}.users (id serial primary key, name text)`)
    const failed = await runCommand({ TESSERA_DATABASE_URL: urlOn(app) }, 'migrate')
    expect(failed.code).toBe(1)
    expect(failed.err).toContain('0001_core')
    expect(failed.err).toContain('relation "users" already exists')
    expect(failed.err).toContain('DATABASE_SCHEMA')
    expect(await tablesIn(app)).toEqual(['users'])

    const own = randomSchemaName()
    schemas.push(own)
    const migrated = await runCommand(
      { TESSERA_DATABASE_URL: urlOn(app), TESSERA_DATABASE_SCHEMA: own },
      'migrate',
    )
    expect(migrated.err).toBe('')
    expect(migrated.code).toBe(0)
    expect(await tablesIn(own)).toEqual(
      expect.arrayContaining(['users', 'groups', 'user_groups', 'kysely_migration']),
    )
    const functions = await psql<{ routine_name: string }>(
      'select routine_name from information_schema.routines where routine_schema = $1',
      [own],
    )
    expect(functions.map((row) => row.routine_name)).toContain('tessera_refresh')
    // The app's table is untouched.
    expect(
      await psql(
        `select column_name from information_schema.columns where table_schema = $1 and table_name = 'users'`,
        [app],
      ),
    ).toHaveLength(2)
  })

  it('a failed SQLite migration leaves none of its tables behind', async () => {
    const dir = tempDir()
    const file = join(dir, 'db.sqlite3')
    const db = new BetterSqlite3(file)
    db.exec('create table groups (id integer primary key, label text)')
    db.close()
    const failed = await runCommand({ TESSERA_DATABASE_URL: `sqlite:${file}` }, 'migrate')
    expect(failed.code).toBe(1)
    expect(failed.err).toContain('table "groups" already exists')
    const after = new BetterSqlite3(file)
    const tables = after.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string
    }[]
    after.close()
    expect(tables.map((table) => table.name)).toEqual(['groups'])
  })
})

describe('errors name what the operator set', () => {
  it('an unreachable database: host, port and cause, under the variable that was set', async () => {
    const prefixed = await runCommand(
      { TESSERA_DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/app' },
      'migrate',
    )
    expect(prefixed.code).toBe(1)
    expect(prefixed.err).toContain('127.0.0.1:1')
    expect(prefixed.err).toContain('ECONNREFUSED')
    expect(prefixed.err).toContain('TESSERA_DATABASE_URL')
    expect(prefixed.err).not.toContain('hunter2')
    const conventional = await runCommand({ DATABASE_URL: 'postgres://app@127.0.0.1:1/app' }, 'migrate')
    expect(conventional.err).toContain('(DATABASE_URL)')
  })

  it('a bad value is reported under the variable that was set', async () => {
    expect((await runCommand({ DATABASE_URL: 'mysql://x' }, 'migrate')).err).toContain(
      'DATABASE_URL: expected',
    )
    expect((await runCommand({ DATABASE_URL: 'mysql://x' }, 'migrate')).err).not.toContain('TESSERA_')
    expect((await runCommand({ TESSERA_DATABASE_URL: 'mysql://x' }, 'migrate')).err).toContain(
      'TESSERA_DATABASE_URL: expected',
    )
  })
})
