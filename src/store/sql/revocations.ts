/**
 * `RevocationStore` on `user_cutoffs` and `ended_sessions` (the ledger writes the latter). Each
 * change takes the next `seq` of its feed, so other instances poll `cutoffsSince(lastCursor)` and
 * `endedSessionsSince(lastCursor)` and see every change exactly once, in order.
 */
import type { Kysely } from 'kysely'
import type { EndedSession, RevocationStore } from '../ports.js'
import { toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import { nextFeedSeq } from './feed.js'
import type { Writers } from './group-commit.js'
import type { Database } from './schema.js'

export class SqlRevocationStore implements RevocationStore {
  readonly #db: Kysely<Database>
  readonly #dialect: SqlDatabase['dialect']
  readonly #writers: Writers

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#dialect = database.dialect
  }

  async setCutoff(userId: number, notBefore: number): Promise<void> {
    await this.#writers.transaction(async (tx) => {
      const seq = await nextFeedSeq(tx, this.#dialect, 'user_cutoffs')
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

  async endedSessionsSince(cursor: number): Promise<{ cursor: number; sessions: EndedSession[] }> {
    const rows = await this.#db
      .selectFrom('ended_sessions')
      .select(['session_id', 'user_id', 'void_until', 'seq'])
      .where('seq', '>', cursor)
      .orderBy('seq')
      .execute()
    const last = rows.at(-1)
    return {
      cursor: last === undefined ? cursor : toNumber(last.seq),
      sessions: rows.map((row) => ({
        sessionId: row.session_id,
        userId: toNumber(row.user_id),
        voidUntil: toNumber(row.void_until),
      })),
    }
  }
}
