/**
 * `RevocationStore` on `user_cutoffs`. Each change takes the next `seq`, so other instances poll
 * `cutoffsSince(lastCursor)` and see every change exactly once, in order.
 */
import { type Kysely, type Transaction, sql } from 'kysely'
import type { RevocationStore } from '../ports.js'
import { toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { Database } from './schema.js'

/**
 * Serialises cut-off writers on PostgreSQL (a transaction-scoped advisory lock). Without it, a
 * writer could take seq 7, another seq 8 and commit first, and a poller reading then would move
 * its cursor to 8 and never see 7. Cut-offs change rarely (logout-all, password change), so the
 * queue costs nothing noticeable. The key is an arbitrary constant private to this table.
 */
const CUTOFF_WRITER_LOCK = 0x7e55e7a1

export class SqlRevocationStore implements RevocationStore {
  readonly #db: Kysely<Database>
  readonly #dialect: SqlDatabase['dialect']
  readonly #writers: Writers

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#dialect = database.dialect
  }

  /** The next feed position, taken inside the writing transaction. */
  async #nextSeq(tx: Transaction<Database>): Promise<number> {
    if (this.#dialect === 'postgres') {
      await sql`select pg_advisory_xact_lock(${CUTOFF_WRITER_LOCK})`.execute(tx)
      const { rows } = await sql<{ seq: number }>`select nextval('user_cutoffs_seq') as seq`.execute(tx)
      return toNumber(rows[0]?.seq ?? 0)
    }
    // SQLite runs one transaction at a time, so max + 1 cannot be taken twice.
    const row = await tx
      .selectFrom('user_cutoffs')
      .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
      .executeTakeFirst()
    return toNumber(row?.seq ?? 0) + 1
  }

  async setCutoff(userId: number, notBefore: number): Promise<void> {
    await this.#writers.transaction(async (tx) => {
      const seq = await this.#nextSeq(tx)
      await tx
        .insertInto('user_cutoffs')
        .values({ user_id: userId, not_before: notBefore, seq })
        .onConflict((conflict) =>
          conflict
            .column('user_id')
            .doUpdateSet((eb) => ({ not_before: eb.ref('excluded.not_before'), seq: eb.ref('excluded.seq') }))
            // A cut-off only moves forward; an earlier one is no change and takes no feed position.
            .whereRef('user_cutoffs.not_before', '<', 'excluded.not_before'),
        )
        .execute()
    })
  }

  async cutoffsSince(
    cursor: number,
  ): Promise<{ cursor: number; cutoffs: { userId: number; notBefore: number }[] }> {
    const rows = await this.#db
      .selectFrom('user_cutoffs')
      .select(['user_id', 'not_before', 'seq'])
      .where('seq', '>', cursor)
      .orderBy('seq')
      .execute()
    const last = rows.at(-1)
    return {
      cursor: last === undefined ? cursor : toNumber(last.seq),
      cutoffs: rows.map((row) => ({ userId: toNumber(row.user_id), notBefore: toNumber(row.not_before) })),
    }
  }
}
