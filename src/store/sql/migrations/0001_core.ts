/** Users and groups: the default accounts tables (Django's `auth_user`, `auth_group`). */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT never reuses the id of a deleted user.
    // PostgreSQL: an identity "by default" still accepts an explicit id (Django import).
    const autoId = (name: string) =>
      dialect === 'sqlite'
        ? db.schema.createTable(name).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : db.schema
            .createTable(name)
            .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    const yes = dialect === 'sqlite' ? sql`1` : sql`true`
    const no = dialect === 'sqlite' ? sql`0` : sql`false`

    await autoId('users')
      // Case-sensitive, as Django usernames are.
      .addColumn('username', 'varchar(150)', (c) => c.notNull().unique())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('first_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
      .addColumn('last_name', 'varchar(150)', (c) => c.notNull().defaultTo(''))
      .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(yes))
      .addColumn('is_staff', 'boolean', (c) => c.notNull().defaultTo(no))
      .addColumn('is_superuser', 'boolean', (c) => c.notNull().defaultTo(no))
      .addColumn('date_joined', 'bigint', (c) => c.notNull())
      .addColumn('last_login', 'bigint')
      .execute()
    // Emails are unique whatever their case; the lookup by email uses the same expression.
    await db.schema
      .createIndex('users_email_lower_key')
      .on('users')
      .unique()
      .expression(sql`lower(email)`)
      .execute()

    await autoId('groups')
      .addColumn('name', 'varchar(150)', (c) => c.notNull().unique())
      .execute()

    await db.schema
      .createTable('user_groups')
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('user_groups_pkey', ['user_id', 'group_id'])
      .execute()
    await db.schema.createIndex('user_groups_group_id_idx').on('user_groups').column('group_id').execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('user_groups').execute()
    await db.schema.dropTable('groups').execute()
    await db.schema.dropTable('users').execute()
  },
}
