/**
 * `AuditStore` on `audit_events`: an append-only trail, details kept as JSON text, pruned by age
 * (`flushexpiredtokens`, `AUDIT_RETENTION`).
 */
import { type Insertable, type Kysely, sql } from 'kysely'
import { ServiceUnavailable } from '../../core/errors.js'
import type { AuditEvent, AuditStore } from '../ports.js'
import { fromMillis, toIpColumn, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { Database } from './schema.js'
import { type Settled, TurnBatcher } from './turn-batcher.js'

/** Most rows one INSERT carries (6 parameters each, far below SQLite's and PostgreSQL's limits). */
const MAX_BATCH = 200

type AuditRow = Insertable<Database['audit_events']>

/**
 * Events written in the same turn of the event loop go to the database as one multi-row INSERT:
 * under load every refresh writes an event, and one statement and one commit for many events,
 * instead of one each, is a large share of a refresh's cost. An event waits at most one turn of
 * the event loop (no timer), and `write()` resolves once its row is stored.
 */
export class SqlAuditStore implements AuditStore {
  readonly #db: Kysely<Database>
  readonly #batches: TurnBatcher<AuditRow, undefined>

  readonly #writers: Writers

  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#postgres = database.dialect === 'postgres'
    this.#writers = database.writers
    this.#batches = new TurnBatcher({
      maxBatch: MAX_BATCH,
      sequential: false,
      run: (rows) => this.#insert(rows),
    })
  }

  async write(event: AuditEvent): Promise<void> {
    const row: AuditRow = {
      at: toMillis(event.at),
      event: event.event,
      user_id: event.userId,
      ip: toIpColumn(event.ip),
      user_agent: event.userAgent,
      detail: JSON.stringify(event.detail),
    }
    await this.#batches.add(row)
  }

  /** Stores every queued event now; resolves when all writes started so far have settled. */
  drain(): Promise<void> {
    return this.#batches.drain()
  }

  /**
   * One INSERT for the batch. If it fails for a reason other than an outage, each row is tried on
   * its own, so one bad row does not lose the others' events.
   */
  async #insert(rows: readonly AuditRow[]): Promise<Settled<undefined>[]> {
    try {
      await this.#writers.write((db) =>
        db
          .insertInto('audit_events')
          .values([...rows])
          .execute(),
      )
      return rows.map(() => ({ ok: true, value: undefined }))
    } catch (error) {
      if (rows.length === 1 || error instanceof ServiceUnavailable)
        return rows.map(() => ({ ok: false, error }))
      const outcomes: Settled<undefined>[] = []
      for (const row of rows) outcomes.push(...(await this.#insert([row])))
      return outcomes
    }
  }

  async flushOlderThan(cutoff: Date, batchSize: number): Promise<number> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be a positive integer')
    const before = toMillis(cutoff)
    let total = 0
    for (;;) {
      // The oldest rows first, found through the `at` index and deleted by primary key; on
      // PostgreSQL `= any(array(…))` looks each one up by key instead of hash-joining the table.
      const oldest = this.#db
        .selectFrom('audit_events')
        .select('id')
        .where('at', '<', before)
        .orderBy('at')
        .limit(batchSize)
      const query = this.#postgres
        ? this.#db.deleteFrom('audit_events').where(sql<boolean>`id = any(array(${oldest}))`)
        : this.#db.deleteFrom('audit_events').where('id', 'in', oldest)
      const deleted = toNumber((await query.executeTakeFirst()).numDeletedRows)
      total += deleted
      if (deleted < batchSize) return total
    }
  }

  /** The latest `limit` events, newest first (ties in time: latest written first). */
  async recent(limit: number): Promise<AuditEvent[]> {
    // Events already recorded are visible to the reader, even those still queued.
    await this.drain()
    const rows = await this.#db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((row) => ({
      at: fromMillis(row.at),
      event: row.event,
      userId: row.user_id === null ? null : toNumber(row.user_id),
      ip: row.ip,
      userAgent: row.user_agent,
      detail: JSON.parse(row.detail) as Record<string, unknown>,
    }))
  }
}
