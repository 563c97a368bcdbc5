/**
 * Ended sessions (token families) with their change feed, like `user_cutoffs`: every instance
 * keeps the ended session ids in memory, so an access token whose `sid` names one is refused
 * without a lookup. A row is kept until `void_until`, when every access token of the session has
 * expired; `flushexpiredtokens` deletes it then.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    // No foreign key to users: the row must outlive a deleted user while their tokens circulate.
    await db.schema
      .createTable('ended_sessions')
      .addColumn('session_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('ended_at', 'bigint', (c) => c.notNull())
      .addColumn('void_until', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('ended_sessions_seq_idx').on('ended_sessions').column('seq').execute()
    await db.schema
      .createIndex('ended_sessions_void_until_idx')
      .on('ended_sessions')
      .column('void_until')
      .execute()
    if (dialect === 'postgres') await sql`create sequence ended_sessions_seq`.execute(db)
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    if (dialect === 'postgres') await sql`drop sequence ended_sessions_seq`.execute(db)
    await db.schema.dropTable('ended_sessions').execute()
  },
}
