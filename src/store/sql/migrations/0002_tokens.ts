/** The refresh-token ledger: simplejwt's outstanding and blacklisted tokens, plus families. */
import type { Kysely } from 'kysely'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('outstanding_tokens')
      .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('family_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('parent_jti', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('rotated_at', 'bigint')
      .addColumn('replaced_by', 'varchar(64)')
      .addColumn('last_used_at', 'bigint')
      .addColumn('user_agent', 'text')
      .addColumn('ip', 'varchar(64)')
      .execute()
    await db.schema
      .createIndex('outstanding_tokens_user_id_idx')
      .on('outstanding_tokens')
      .column('user_id')
      .execute()
    await db.schema
      .createIndex('outstanding_tokens_family_id_idx')
      .on('outstanding_tokens')
      .column('family_id')
      .execute()
    await db.schema
      .createIndex('outstanding_tokens_expires_at_idx')
      .on('outstanding_tokens')
      .column('expires_at')
      .execute()

    // No foreign key to outstanding_tokens: each table is flushed on its own expiry.
    await db.schema
      .createTable('blacklisted_tokens')
      .addColumn('jti', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('blacklisted_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('blacklisted_tokens_expires_at_idx')
      .on('blacklisted_tokens')
      .column('expires_at')
      .execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('blacklisted_tokens').execute()
    await db.schema.dropTable('outstanding_tokens').execute()
  },
}
