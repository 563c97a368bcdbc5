import type { Kysely } from 'kysely'
import type { SqlDialect } from '../connect.js'

/**
 * One schema version. Unlike a bare Kysely `Migration`, it is told the dialect, so the few
 * non-portable column definitions (auto-increment ids, boolean defaults, sequences) can differ
 * while every table keeps the same name, columns and meaning on both dialects.
 */
export interface DialectMigration {
  up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>
  down(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>
}
