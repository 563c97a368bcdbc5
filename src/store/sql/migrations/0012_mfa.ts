/**
 * Second factors (issue 21): a TOTP secret per user (encrypted by the accounts room before it
 * gets here) with the last time step used, hashed single-use recovery codes, the pending second
 * step of logins (`mfa_challenges`, only the SHA-256 of each `mfa_token`), passkeys (WebAuthn
 * credentials) and the WebAuthn challenges handed out, single use, shared by every instance.
 */
import { type Kysely, sql } from 'kysely'
import type { SqlDialect } from '../connect.js'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>, dialect: SqlDialect) {
    const no = dialect === 'sqlite' ? sql`0` : sql`false`
    // No foreign keys to users: the user may live in an app's own table (migration 0010).
    await db.schema
      .createTable('mfa_totp')
      .addColumn('user_id', 'integer', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      // Null while set up but not yet confirmed with a code.
      .addColumn('confirmed_at', 'bigint')
      // The last RFC 6238 time step accepted: a code of that step or an earlier one is refused.
      .addColumn('last_step', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('mfa_recovery_codes_user_idx')
      .on('mfa_recovery_codes')
      .column('user_id')
      .execute()

    await db.schema
      .createTable('mfa_challenges')
      .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      // What the completed login answers: a pair, or a sliding token.
      .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('used_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('mfa_challenges_expires_at_idx')
      .on('mfa_challenges')
      .column('expires_at')
      .execute()

    await db.schema
      .createTable('webauthn_credentials')
      // base64url of the credential id (at most 1023 bytes).
      .addColumn('id', 'varchar(1400)', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      // base64url of the random user handle the authenticator keeps (never the user id).
      .addColumn('user_handle', 'varchar(128)', (c) => c.notNull())
      // base64url of the COSE public key.
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('counter', 'bigint', (c) => c.notNull())
      // JSON array of transport hints.
      .addColumn('transports', 'text', (c) => c.notNull())
      .addColumn('name', 'varchar(64)', (c) => c.notNull())
      .addColumn('backed_up', 'boolean', (c) => c.notNull().defaultTo(no))
      .addColumn('device_type', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('webauthn_credentials_user_idx')
      .on('webauthn_credentials')
      .column('user_id')
      .execute()

    await db.schema
      .createTable('webauthn_challenges')
      .addColumn('challenge', 'varchar(128)', (c) => c.primaryKey())
      // `register` (user_id set) or `login` (a passkey login: no user yet).
      .addColumn('purpose', 'varchar(16)', (c) => c.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute()
    await db.schema
      .createIndex('webauthn_challenges_expires_at_idx')
      .on('webauthn_challenges')
      .column('expires_at')
      .execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('webauthn_challenges').execute()
    await db.schema.dropTable('webauthn_credentials').execute()
    await db.schema.dropTable('mfa_challenges').execute()
    await db.schema.dropTable('mfa_recovery_codes').execute()
    await db.schema.dropTable('mfa_totp').execute()
  },
}
