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

/** Most rows one INSERT carries (6 parameters each, far below SQLite's and PostgreSQL's limits). */
const MAX_BATCH = 200

type AuditRow = Insertable<Database['audit_events']>

interface Queued {
  row: AuditRow
  resolve(): void
  reject(error: unknown): void
}

/**
 * Events written in the same turn of the event loop go to the database as one multi-row INSERT:
 * under load every refresh writes an event, and one statement and one commit for many events,
 * instead of one each, is a large share of a refresh's cost. An event waits at most one turn of
 * the event loop (no timer), and `write()` resolves once its row is stored.
 */
export class SqlAuditStore implements AuditStore {
  readonly #db: Kysely<Database>
  readonly #queue: Queued[] = []
  readonly #inFlight = new Set<Promise<void>>()

  readonly #writers: Writers

  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#postgres = database.dialect === 'postgres'
    this.#writers = database.writers
  }

  write(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const row: AuditRow = {
        at: toMillis(event.at),
        event: event.event,
        user_id: event.userId,
        ip: toIpColumn(event.ip),
        user_agent: event.userAgent,
        detail: JSON.stringify(event.detail),
      }
      this.#queue.push({ row, resolve, reject })
      if (this.#queue.length === 1) setImmediate(() => this.#flush())
    })
  }

  /** Stores every queued event now; resolves when all writes started so far have settled. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0) this.#flush()
    await Promise.allSettled([...this.#inFlight])
  }

  #flush(): void {
    const batch = this.#queue.splice(0, MAX_BATCH)
    if (batch.length === 0) return
    if (this.#queue.length > 0) setImmediate(() => this.#flush())
    const insert = this.#insert(batch).finally(() => this.#inFlight.delete(insert))
    this.#inFlight.add(insert)
  }

  /**
   * One INSERT for the batch. If it fails for a reason other than an outage, each row is tried on
   * its own, so one bad row does not lose the others' events.
   */
  async #insert(batch: Queued[]): Promise<void> {
    try {
      await this.#writers.write((db) =>
        db
          .insertInto('audit_events')
          .values(batch.map((queued) => queued.row))
          .execute(),
      )
      for (const queued of batch) queued.resolve()
    } catch (error) {
      if (batch.length === 1 || error instanceof ServiceUnavailable) {
        for (const queued of batch) queued.reject(error)
        return
      }
      for (const queued of batch) await this.#insert([queued])
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
