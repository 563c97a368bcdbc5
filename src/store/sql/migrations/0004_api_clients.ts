/** Clients allowed to call the RFC 7662 introspection endpoint. */
import type { Kysely } from 'kysely'
import type { DialectMigration } from './types.js'

export const migration: DialectMigration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('api_clients')
      .addColumn('client_id', 'varchar(100)', (c) => c.primaryKey())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('name', 'varchar(150)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('api_clients').execute()
  },
}
