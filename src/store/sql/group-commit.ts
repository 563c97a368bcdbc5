/**
 * Group commit for SQLite: the transactions asked for while another one is running (or in the
 * same turn of the event loop) run together inside one BEGIN … COMMIT, each under its own
 * SAVEPOINT.
 *
 * Why: SQLite has one writer. With WAL, most of a small write transaction's cost is its COMMIT,
 * which appends every page it changed to the log (bench/FINDINGS.md).
 * Under load, many refreshes wait for the connection at once. One commit for all of them costs
 * about the same as one commit for one.
 *
 * What each caller still gets, as if it had its own transaction:
 * - Its work runs alone. The works of a group run one after another on the one connection, and
 *   each sees the ones before it.
 * - When its work throws, only its own changes are undone (ROLLBACK TO its savepoint). The caller
 *   gets the error, and the rest of the group goes on.
 * - Its promise settles only after the group's COMMIT. If the COMMIT fails, every caller in the
 *   group gets that error and nothing of the group is kept.
 *
 * PostgreSQL runs transactions side by side on its pool and does not use this.
 */
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from './schema.js'
import { type Settled, TurnBatcher } from './turn-batcher.js'

export type TransactionWork<T> = (tx: Transaction<Database>) => Promise<T>

/** Runs `work` in a transaction of its own, or one that behaves like it (see above). */
export type TransactionRunner = <T>(work: TransactionWork<T>) => Promise<T>

/** Most works one group carries, so one group's transaction stays short. */
const MAX_GROUP = 64

/** A write of one statement, atomic on its own (`Kysely` on PostgreSQL, the group's transaction on SQLite). */
export type SingleWrite = <T>(work: (db: Kysely<Database>) => Promise<T>) => Promise<T>

/** How a store writes: transactions of several statements, and single statements. */
export interface Writers {
  transaction: TransactionRunner
  write: SingleWrite
}

/**
 * PostgreSQL: a transaction per call, and single statements straight on the pool, since
 * concurrent transactions already overlap there and group their WAL flushes themselves.
 */
export function ownTransactions(db: Kysely<Database>): Writers {
  return { transaction: (work) => db.transaction().execute(work), write: (work) => work(db) }
}

/**
 * SQLite: transactions that share their COMMIT with the others waiting. A single statement joins
 * a group too, since on its own it would be a transaction with a COMMIT of its own.
 */
export function groupCommit(db: Kysely<Database>): Writers {
  const groups = new TurnBatcher<TransactionWork<unknown>, unknown>({
    maxBatch: MAX_GROUP,
    sequential: true,
    // A failed COMMIT (or savepoint statement) throws: nothing of the group was kept.
    run: (works) =>
      db.transaction().execute(async (tx) => {
        const done: Settled<unknown>[] = []
        for (const work of works) done.push(await runOne(tx, work))
        return done
      }),
  })
  const transaction = <T>(work: TransactionWork<T>) => groups.add(work) as Promise<T>
  return { transaction, write: transaction }
}

/**
 * One caller's work under its own savepoint. A failure to roll back to the savepoint (SQLite
 * rolls the whole transaction back by itself after some I/O errors) escapes and fails the group.
 */
async function runOne(tx: Transaction<Database>, work: TransactionWork<unknown>): Promise<Settled<unknown>> {
  await sql`savepoint grouped`.execute(tx)
  try {
    const value = await work(tx)
    await sql`release grouped`.execute(tx)
    return { ok: true, value }
  } catch (error) {
    await sql`rollback to grouped`.execute(tx)
    await sql`release grouped`.execute(tx)
    return { ok: false, error }
  }
}
