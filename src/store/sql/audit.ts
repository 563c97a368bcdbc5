/** `AuditStore` on `audit_events`: an append-only trail, details kept as JSON text. */
import type { Kysely } from 'kysely'
import type { AuditEvent, AuditStore } from '../ports.js'
import { fromMillis, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Database } from './schema.js'

export class SqlAuditStore implements AuditStore {
  readonly #db: Kysely<Database>

  constructor(database: SqlDatabase) {
    this.#db = database.db
  }

  async write(event: AuditEvent): Promise<void> {
    await this.#db
      .insertInto('audit_events')
      .values({
        at: toMillis(event.at),
        event: event.event,
        user_id: event.userId,
        ip: event.ip,
        user_agent: event.userAgent,
        detail: JSON.stringify(event.detail),
      })
      .execute()
  }

  /** The latest `limit` events, newest first (ties in time: latest written first). */
  async recent(limit: number): Promise<AuditEvent[]> {
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
