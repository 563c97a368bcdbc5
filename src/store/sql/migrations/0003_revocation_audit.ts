/** Per-user revocation cut-offs with their change feed, and the audit log. */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    // No foreign key to users: deleting a user must not delete the cut-off that voids the access
    // tokens still in circulation, or other instances would never hear of it.
    await db.schema
      .createTable('user_cutoffs')
      .addColumn('user_id', 'integer', (c) => c.primaryKey())
      .addColumn('not_before', 'bigint', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('user_cutoffs_seq_idx').on('user_cutoffs').column('seq').execute()
    // SQLite takes max(seq) + 1 inside the writing transaction instead.
    if (dialect === 'postgres') await sql`create sequence user_cutoffs_seq`.execute(db)

    const id =
      dialect === 'sqlite'
        ? db.schema
            .createTable('audit_events')
            .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : db.schema
            .createTable('audit_events')
            .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    // user_id is not a foreign key: the trail outlives the user it is about.
    await id
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('event', 'varchar(100)', (c) => c.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('ip', 'varchar(64)')
      .addColumn('user_agent', 'text')
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute()
    await db.schema.createIndex('audit_events_at_idx').on('audit_events').column('at').execute()
  },

  async down(db: Kysely<unknown>, dialect: SqlDialect) {
    await db.schema.dropTable('audit_events').execute()
    if (dialect === 'postgres') await sql`drop sequence user_cutoffs_seq`.execute(db)
    await db.schema.dropTable('user_cutoffs').execute()
  },
}
