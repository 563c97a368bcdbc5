/** `AccountTokenStore` on `account_tokens`: single-use link tokens, kept as their SHA-256 only. */
import { type Kysely, type Selectable, sql } from 'kysely'
import type { AccountToken, AccountTokenPurpose, AccountTokenStore } from '../ports.js'
import { fromMillis, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { AccountTokensTable, Database } from './schema.js'

const toToken = (row: Selectable<AccountTokensTable>): AccountToken => ({
  hash: row.token_hash,
  purpose: row.purpose as AccountTokenPurpose,
  userId: toNumber(row.user_id),
  email: row.email,
  fingerprint: row.fingerprint,
  createdAt: fromMillis(row.created_at),
  expiresAt: fromMillis(row.expires_at),
})

export class SqlAccountTokenStore implements AccountTokenStore {
  readonly #db: Kysely<Database>
  readonly #writers: Writers
  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#postgres = database.dialect === 'postgres'
  }

  async issue(token: AccountToken, replace: boolean): Promise<void> {
    await this.#writers.transaction(async (tx) => {
      if (replace) {
        await tx
          .updateTable('account_tokens')
          .set({ used_at: toMillis(token.createdAt) })
          .where('user_id', '=', token.userId)
          .where('purpose', '=', token.purpose)
          .where('used_at', 'is', null)
          .execute()
      }
      await tx
        .insertInto('account_tokens')
        .values({
          token_hash: token.hash,
          purpose: token.purpose,
          user_id: token.userId,
          email: token.email,
          fingerprint: token.fingerprint,
          created_at: toMillis(token.createdAt),
          expires_at: toMillis(token.expiresAt),
          used_at: null,
        })
        .execute()
    })
  }

  async find(hash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountToken | undefined> {
    const row = await this.#db
      .selectFrom('account_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', toMillis(now))
      .executeTakeFirst()
    return row && toToken(row)
  }

  async consume(hash: string, purpose: AccountTokenPurpose, now: Date): Promise<AccountToken | undefined> {
    // One conditional UPDATE: PostgreSQL re-checks `used_at is null` on the row a concurrent
    // update committed, and SQLite runs writes one at a time, so a token is used at most once.
    const row = await this.#writers.write((db) =>
      db
        .updateTable('account_tokens')
        .set({ used_at: toMillis(now) })
        .where('token_hash', '=', hash)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', toMillis(now))
        .returningAll()
        .executeTakeFirst(),
    )
    return row && toToken(row)
  }

  async voidFor(userId: number, purposes: readonly AccountTokenPurpose[], now: Date): Promise<number> {
    if (purposes.length === 0) return 0
    const result = await this.#writers.write((db) =>
      db
        .updateTable('account_tokens')
        .set({ used_at: toMillis(now) })
        .where('user_id', '=', userId)
        .where('purpose', 'in', [...purposes])
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    )
    return toNumber(result.numUpdatedRows)
  }

  async flushExpired(now: Date, batchSize: number): Promise<number> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be a positive integer')
    const at = toMillis(now)
    let total = 0
    for (;;) {
      const stale = this.#db
        .selectFrom('account_tokens')
        .select('token_hash')
        .where((eb) => eb.or([eb('expires_at', '<=', at), eb('used_at', 'is not', null)]))
        .limit(batchSize)
      const query = this.#postgres
        ? this.#db.deleteFrom('account_tokens').where(sql<boolean>`token_hash = any(array(${stale}))`)
        : this.#db.deleteFrom('account_tokens').where('token_hash', 'in', stale)
      const deleted = toNumber((await query.executeTakeFirst()).numDeletedRows)
      total += deleted
      if (deleted < batchSize) return total
    }
  }
}
