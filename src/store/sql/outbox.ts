/**
 * `OutboxStore` on `mail_outbox`. A message is claimed by a lease (`lease_owner`, `lease_until`)
 * set by one UPDATE that also picks the rows, so of two instances claiming at once each row goes
 * to one of them; a sender that dies mid-delivery leaves its lease to run out, and the message is
 * claimed again (delivery is at least once, and exactly once unless a sender dies between the
 * SMTP server's acceptance and `delivered`).
 */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { ClaimedMail, OutboxStore, OutgoingMail } from '../ports.js'
import { fromMillisOrNull, toMillis, toMillisOrNull, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { Database, MailOutboxTable } from './schema.js'

const toClaimed = (row: Selectable<MailOutboxTable>): ClaimedMail => ({
  id: toNumber(row.id),
  kind: row.kind,
  to: row.to_address,
  subject: row.subject,
  text: row.text_body,
  html: row.html_body,
  discardAfter: fromMillisOrNull(row.discard_after),
  attempts: toNumber(row.attempts),
})

/** Longest error text kept per message. */
const MAX_ERROR = 500

export class SqlOutboxStore implements OutboxStore {
  readonly #db: Kysely<Database>
  readonly #writers: Writers
  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#postgres = database.dialect === 'postgres'
  }

  async enqueue(mail: OutgoingMail, now: Date): Promise<void> {
    await this.#writers.write((db) =>
      db
        .insertInto('mail_outbox')
        .values({
          kind: mail.kind,
          to_address: mail.to,
          subject: mail.subject,
          text_body: mail.text,
          html_body: mail.html,
          created_at: toMillis(now),
          due_at: toMillis(now),
          discard_after: toMillisOrNull(mail.discardAfter),
        })
        .execute(),
    )
  }

  async claimDue(now: Date, leaseUntil: Date, owner: string, limit: number): Promise<ClaimedMail[]> {
    const at = toMillis(now)
    // Messages whose link has expired are of no use to anyone: dropped unsent.
    await this.#writers.write((db) =>
      db.deleteFrom('mail_outbox').where('due_at', 'is not', null).where('discard_after', '<=', at).execute(),
    )
    const due = this.#db
      .selectFrom('mail_outbox')
      .select('id')
      .where('due_at', '<=', at)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', at)]))
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit)
    // One statement picks and leases the rows. PostgreSQL: rows another claimer is leasing are
    // skipped, not waited for, and one it leased meanwhile fails the re-checked condition;
    // SQLite runs writes one at a time. Either way each row goes to one claimer.
    const rows = await this.#writers.write((db) =>
      db
        .updateTable('mail_outbox')
        .set((eb) => ({
          lease_owner: owner,
          lease_until: toMillis(leaseUntil),
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', 'in', this.#postgres ? due.forUpdate().skipLocked() : due)
        .returningAll()
        .execute(),
    )
    return rows.map(toClaimed).sort((x, y) => x.id - y.id)
  }

  async delivered(id: number, owner: string): Promise<void> {
    await this.#writers.write((db) =>
      db.deleteFrom('mail_outbox').where('id', '=', id).where('lease_owner', '=', owner).execute(),
    )
  }

  async failed(id: number, owner: string, retryAt: Date | null, error: string): Promise<void> {
    const lastError = error.slice(0, MAX_ERROR)
    await this.#writers.write((db) =>
      db
        .updateTable('mail_outbox')
        .set(
          retryAt === null
            ? // Given up: the bodies (and the link in them) go; who, what and why stay.
              {
                due_at: null,
                lease_owner: null,
                lease_until: null,
                last_error: lastError,
                text_body: '',
                html_body: '',
              }
            : { due_at: toMillis(retryAt), lease_owner: null, lease_until: null, last_error: lastError },
        )
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .execute(),
    )
  }

  async pending(): Promise<number> {
    const row = await this.#db
      .selectFrom('mail_outbox')
      .select(sql<number>`count(*)`.as('n'))
      .where('due_at', 'is not', null)
      .executeTakeFirstOrThrow()
    return toNumber(row.n)
  }
}
