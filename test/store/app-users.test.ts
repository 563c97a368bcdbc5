/**
 * `AppUserStore` beyond the store contract (which test/store/contract.test.ts runs over it): the
 * checks on its configuration, tables that lack optional columns, reserved words as names, epoch
 * times, and a schema-qualified table on PostgreSQL.
 */
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ValidationFailed } from '../../src/core/errors.js'
import { AppUserStore, databaseOf, type SqlDatabase } from '../../src/store/sql/index.js'
import { BACKENDS, openMigrated, type TestStores } from './backends.js'

describe('AppUserStore configuration', () => {
  // Never opened: the configuration is refused before any query.
  const database = { dialect: 'sqlite' } as unknown as SqlDatabase
  const columns = { id: 'id', username: 'name', password: 'hash' }

  it.each([
    ['a table name with SQL in it', { table: 'users; drop table users', columns }],
    ['a quoted table name', { table: '"users"', columns }],
    ['three-part table name', { table: 'a.b.c', columns }],
    ['an empty table name', { table: '', columns }],
    ['a column name with SQL in it', { table: 'users', columns: { ...columns, email: 'mail) --' } }],
    ['a column name with a dot', { table: 'users', columns: { ...columns, email: 'u.mail' } }],
    ['a column name of 64 characters', { table: 'users', columns: { ...columns, email: 'm'.repeat(64) } }],
    ['no password column', { table: 'users', columns: { id: 'id', username: 'name' } }],
    ['an unknown field', { table: 'users', columns: { ...columns, nickname: 'nick' } }],
    ['one column for two fields', { table: 'users', columns: { ...columns, email: 'name' } }],
    ['an unknown time format', { table: 'users', columns, timeFormat: 'iso' }],
    ['an unknown password format', { table: 'users', columns, passwordFormat: 'bcrypt' }],
  ])('refuses %s with a TypeError', (_what, config) => {
    expect(() => new AppUserStore(database, config as never)).toThrow(TypeError)
  })
})

for (const backend of BACKENDS) {
  describe(`AppUserStore (${backend})`, () => {
    let opened: TestStores
    let database: SqlDatabase

    /** An auto-assigned integer key, as each dialect writes it. */
    const autoId = backend === 'postgres' ? sql`serial primary key` : sql`integer primary key`

    beforeEach(async () => {
      opened = await openMigrated(backend)
      database = databaseOf(opened.stores.db)
    })
    afterEach(async () => {
      await opened.dispose()
    })

    it('reads a table with only id, username and password, and fills in the rest', async () => {
      // Reserved words as names: Kysely quotes every identifier.
      await sql`create table "user" ("select" ${autoId}, "order" text not null, "from" text)`.execute(
        database.db,
      )
      const users = new AppUserStore(database, {
        table: 'user',
        columns: { id: 'select', username: 'order', password: 'from' },
      })
      await sql`insert into "user" ("select", "order", "from") values (7, 'ann', null)`.execute(database.db)
      const ann = await users.findByUsername('ann')
      expect(ann).toEqual({
        id: 7,
        username: 'ann',
        email: '',
        // A null hash never matches (the hasher burns on '').
        passwordHash: '',
        firstName: '',
        lastName: '',
        isActive: true,
        isStaff: false,
        isSuperuser: false,
        dateJoined: new Date(0),
        lastLogin: null,
      })
      expect(await users.findByEmail('')).toBeUndefined()

      // A login's writes: the new hash is stored, the last login (no column) is dropped.
      const updated = await users.update(7, { passwordHash: '$argon2id$new', lastLogin: new Date() })
      expect(updated).toEqual({ ...ann, passwordHash: '$argon2id$new' })

      // A field the table cannot hold is refused in the DRF shape, unless it keeps its fixed value.
      const refused = await users.update(7, { isStaff: true }).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(ValidationFailed)
      expect((refused as ValidationFailed).fields).toEqual({
        isStaff: ['This field cannot be stored in the users table.'],
      })
      expect(await users.update(7, { isStaff: false, isActive: true })).toEqual(updated)

      const created = await users.create({ username: 'bo', email: '', passwordHash: 'h' })
      expect(created).toMatchObject({
        username: 'bo',
        passwordHash: 'h',
        isActive: true,
        dateJoined: new Date(0),
      })
      expect(await users.count()).toBe(2)
    })

    it('reads and writes epoch times, and a value no driver parses as a date', async () => {
      await sql`create table members (uid ${autoId}, handle text not null, secret text not null,
        joined bigint not null, last_seen bigint)`.execute(database.db)
      const users = new AppUserStore(database, {
        table: 'members',
        columns: {
          id: 'uid',
          username: 'handle',
          password: 'secret',
          dateJoined: 'joined',
          lastLogin: 'last_seen',
        },
        timeFormat: 'epoch_s',
      })
      const joined = new Date('2024-02-29T12:34:56.789Z')
      const created = await users.create({ username: 'cy', email: '', passwordHash: 'h', dateJoined: joined })
      // Seconds: the milliseconds are dropped when stored.
      expect(created.dateJoined).toEqual(new Date('2024-02-29T12:34:56.000Z'))
      const { rows } = await sql<{ joined: number | string }>`select joined from members`.execute(database.db)
      expect(Number(rows[0]?.joined)).toBe(1709210096)
    })

    it('reads Django-style times with no zone as UTC', async () => {
      await sql`create table legacy (id integer primary key, username text not null, password text not null,
        date_joined text not null)`.execute(database.db)
      await sql`insert into legacy values (1, 'dj', '!', '2023-05-01 08:09:10.123456')`.execute(database.db)
      const users = new AppUserStore(database, {
        table: 'legacy',
        columns: { id: 'id', username: 'username', password: 'password', dateJoined: 'date_joined' },
      })
      expect((await users.findById(1))?.dateJoined).toEqual(new Date('2023-05-01T08:09:10.123Z'))
    })

    it("writes argon2 hashes in Django's format when told, and reads them back as PHC strings", async () => {
      await sql`create table auth_user (id ${autoId}, username text not null, password text not null)`.execute(
        database.db,
      )
      const columns = { id: 'id', username: 'username', password: 'password' }
      const django = new AppUserStore(database, { table: 'auth_user', columns, passwordFormat: 'django' })
      const phc = '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$ZGlnZXN0ZGlnZXN0'
      const created = await django.create({ username: 'dj', email: '', passwordHash: phc })
      expect(created.passwordHash).toBe(phc)
      const stored = async () =>
        (await sql<{ password: string }>`select password from auth_user`.execute(database.db)).rows[0]
          ?.password
      expect(await stored()).toBe(`argon2${phc}`)
      // Other formats are written as they are.
      await django.update(created.id, { passwordHash: 'pbkdf2_sha256$1$s$h' })
      expect(await stored()).toBe('pbkdf2_sha256$1$s$h')
      // Without the option, the column holds what Tessera writes.
      const plain = new AppUserStore(database, { table: 'auth_user', columns })
      await plain.update(created.id, { passwordHash: phc })
      expect(await stored()).toBe(phc)
    })

    if (backend === 'postgres') {
      it('reads a table of another schema, named schema.table', async () => {
        const other = `app_${Math.random().toString(36).slice(2, 8)}`
        await sql`create schema ${sql.id(other)}`.execute(database.db)
        try {
          await sql`create table ${sql.id(other, 'people')} (id serial primary key, login text not null unique,
            pw text not null)`.execute(database.db)
          const users = new AppUserStore(database, {
            table: `${other}.people`,
            columns: { id: 'id', username: 'login', password: 'pw' },
          })
          const created = await users.create({ username: 'eve', email: '', passwordHash: 'h', id: 40 })
          expect(created.id).toBe(40)
          // The id's sequence was moved past the explicit id.
          expect((await users.create({ username: 'fay', email: '', passwordHash: 'h' })).id).toBe(41)
          expect((await users.findByUsername('eve'))?.id).toBe(40)
        } finally {
          await sql`drop schema ${sql.id(other)} cascade`.execute(database.db)
        }
      })
    }
  })
}
