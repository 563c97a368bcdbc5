/**
 * Accounts people can recover (issue 20): `users.email_verified`, the single-use link tokens
 * (`account_tokens`, only their SHA-256 stored) and the mail outbox (`mail_outbox`), whose rows
 * are leased to one sender at a time across instances.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    const no = dialect === 'sqlite' ? sql`0` : sql`false`
    // Accounts made before this migration have never proved their address: unverified.
    await db.schema
      .alterTable('users')
      .addColumn('email_verified', 'boolean', (c) => c.notNull().defaultTo(no))
      .execute()

    // No foreign key to users: the user may live in an app's own table (migration 0010).
    await db.schema
      .createTable('account_tokens')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('email', 'varchar(254)', (c) => c.notNull())
      .addColumn('fingerprint', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('account_tokens_user_purpose_idx')
      .on('account_tokens')
      .columns(['user_id', 'purpose'])
      .execute()
    await db.schema
      .createIndex('account_tokens_expires_at_idx')
      .on('account_tokens')
      .column('expires_at')
      .execute()

    const outbox =
      dialect === 'sqlite'
        ? db.schema
            .createTable('mail_outbox')
            .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : db.schema
            .createTable('mail_outbox')
            .addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    await outbox
      .addColumn('kind', 'varchar(64)', (c) => c.notNull())
      .addColumn('to_address', 'varchar(254)', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('text_body', 'text', (c) => c.notNull())
      .addColumn('html_body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      // When the next attempt may start; null once given up.
      .addColumn('due_at', 'bigint')
      .addColumn('discard_after', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('lease_owner', 'varchar(64)')
      .addColumn('lease_until', 'bigint')
      .addColumn('last_error', 'text')
      .execute()
    await db.schema.createIndex('mail_outbox_due_at_idx').on('mail_outbox').column('due_at').execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('mail_outbox').execute()
    await db.schema.dropTable('account_tokens').execute()
    await sql`alter table users drop column email_verified`.execute(db)
  },
}
