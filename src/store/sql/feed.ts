/**
 * Positions in the change feeds other instances poll (`user_cutoffs`, `ended_sessions`): each
 * change takes the next `seq`, and a poller that saw position N has seen every change before it.
 */
import { type Transaction, sql } from 'kysely'
import { toNumber } from './columns.js'
import type { SqlDialect } from './connect.js'
import type { Database } from './schema.js'

export type FeedTable = 'user_cutoffs' | 'ended_sessions'

/**
 * Serialises a feed's writers on PostgreSQL (a transaction-scoped advisory lock). Without it, a
 * writer could take seq 7, another seq 8 and commit first, and a poller reading then would move
 * its cursor to 8 and never see 7. The keys are arbitrary constants private to these tables. A
 * writer takes the lock last, right before its feed insert, so it never waits for a row lock
 * while holding it.
 */
const WRITER_LOCKS: Record<FeedTable, number> = { user_cutoffs: 0x7e55e7a1, ended_sessions: 0x7e55e7a2 }

/**
 * The next feed position, taken inside the writing transaction. `floor` (the write's time, ms)
 * matters on SQLite only: its positions are max + 1, and once the rows holding the highest were
 * flushed (ended sessions are, when over) max + 1 would hand out a position a poller already
 * passed; a time floor keeps new positions past every one handed out before.
 */
export async function nextFeedSeq(
  tx: Transaction<Database>,
  dialect: SqlDialect,
  feed: FeedTable,
  floor = 0,
): Promise<number> {
  if (dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${WRITER_LOCKS[feed]})`.execute(tx)
    const { rows } = await sql<{ seq: number }>`select nextval(${`${feed}_seq`}) as seq`.execute(tx)
    return toNumber(rows[0]?.seq ?? 0)
  }
  // SQLite runs one transaction at a time, so max + 1 cannot be taken twice.
  const row = await tx
    .selectFrom(feed)
    .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
    .executeTakeFirst()
  return Math.max(toNumber(row?.seq ?? 0) + 1, floor)
}
