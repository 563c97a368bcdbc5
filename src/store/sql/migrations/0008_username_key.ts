/**
 * `users.username_key`: the username's `usernameKey` (NFKC, case-folded), indexed, so that a new
 * registration equal to an existing name but for case or compatibility forms is found in one
 * lookup. Not unique: accounts imported from Django keep names that differ only by case. Rows
 * written before this migration are filled in here; rows inserted by other means than the store
 * keep a null key and are not found by that lookup.
 */
import { type Kysely, sql } from 'kysely'
import { usernameKey } from '../../../core/username-key.js'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

const BATCH = 1000

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, _dialect: SqlDialect) {
    await db.schema.alterTable('users').addColumn('username_key', 'text').execute()
    const users = db as unknown as Kysely<{
      users: { id: number; username: string; username_key: string | null }
    }>
    let after = 0
    for (;;) {
      const rows = await users
        .selectFrom('users')
        .select(['id', 'username'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(BATCH)
        .execute()
      for (const row of rows) {
        await users
          .updateTable('users')
          .set({ username_key: usernameKey(row.username) })
          .where('id', '=', row.id)
          .execute()
      }
      const last = rows.at(-1)
      if (last === undefined || rows.length < BATCH) break
      after = Number(last.id)
    }
    await db.schema.createIndex('users_username_key_idx').on('users').column('username_key').execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('users_username_key_idx').execute()
    await sql`alter table users drop column username_key`.execute(db)
  },
}
