/**
 * Room for an app's own users table (`app-users.ts`): refresh tokens no longer need a row in
 * Tessera's `users` (their `user_id` may name a user of the app's table), and `app_user_groups`
 * holds the group memberships of such users. Tessera's own store deletes a user's tokens itself
 * now that no foreign key cascades.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

const COLUMNS =
  'jti, user_id, family_id, parent_jti, created_at, expires_at, rotated_at, replaced_by, last_used_at, user_agent, ip'

/** SQLite cannot drop a constraint: the table is rebuilt, with or without the foreign key. */
async function rebuildSqliteTokens(db: Kysely<unknown>, withUserKey: boolean): Promise<void> {
  const userId = withUserKey
    ? sql.raw('user_id integer not null references users (id) on delete cascade')
    : sql.raw('user_id integer not null')
  await sql`create table outstanding_tokens_rebuilt (
    jti varchar(64) primary key,
    ${userId},
    family_id varchar(64) not null,
    parent_jti varchar(64),
    created_at bigint not null,
    expires_at bigint not null,
    rotated_at bigint,
    replaced_by varchar(64),
    last_used_at bigint,
    user_agent text,
    ip varchar(64)
  )`.execute(db)
  const copied = withUserKey ? sql`where user_id in (select id from users)` : sql``
  await sql`insert into outstanding_tokens_rebuilt (${sql.raw(COLUMNS)})
    select ${sql.raw(COLUMNS)} from outstanding_tokens ${copied}`.execute(db)
  await sql`drop table outstanding_tokens`.execute(db)
  await sql`alter table outstanding_tokens_rebuilt rename to outstanding_tokens`.execute(db)
  for (const column of ['user_id', 'family_id', 'expires_at']) {
    await db.schema
      .createIndex(`outstanding_tokens_${column}_idx`)
      .on('outstanding_tokens')
      .column(column)
      .execute()
  }
}

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect === 'postgres') {
      await sql`alter table outstanding_tokens drop constraint if exists outstanding_tokens_user_id_fkey`.execute(
        db,
      )
    } else {
      await rebuildSqliteTokens(db, false)
    }
    // No foreign key to the app's table: its name is configuration, not schema.
    await db.schema
      .createTable('app_user_groups')
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('group_id', 'integer', (c) => c.notNull().references('groups.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('app_user_groups_pkey', ['user_id', 'group_id'])
      .execute()
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    await db.schema.dropTable('app_user_groups').execute()
    if (dialect === 'postgres') {
      // Tokens of users Tessera's table does not hold cannot keep the foreign key.
      await sql`delete from outstanding_tokens where user_id not in (select id from users)`.execute(db)
      await sql`alter table outstanding_tokens add constraint outstanding_tokens_user_id_fkey
        foreign key (user_id) references users (id) on delete cascade`.execute(db)
    } else {
      await rebuildSqliteTokens(db, true)
    }
  },
}
