/** `MfaStore` on `mfa_totp`, `mfa_recovery_codes` and `mfa_challenges`. */
import { type Kysely, sql } from 'kysely'
import type { MfaChallenge, MfaChallengePurpose, MfaStore, TotpRecord } from '../ports.js'
import { fromMillis, fromMillisOrNull, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { Database } from './schema.js'

/** Deletes the rows `stale` selects (their keys), `batchSize` at a time; returns how many. */
export async function deleteInBatches(
  db: Kysely<Database>,
  postgres: boolean,
  table: 'mfa_challenges' | 'webauthn_challenges',
  key: 'token_hash' | 'challenge',
  now: Date,
  batchSize: number,
): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer')
  const at = toMillis(now)
  let total = 0
  for (;;) {
    const stale = db
      .selectFrom(table)
      .select(sql<string>`${sql.ref(key)}`.as('k'))
      .where((eb) => eb.or([eb('expires_at', '<=', at), eb('used_at', 'is not', null)]))
      .limit(batchSize)
    const query = postgres
      ? db.deleteFrom(table).where(sql<boolean>`${sql.ref(key)} = any(array(${stale}))`)
      : db.deleteFrom(table).where(sql<boolean>`${sql.ref(key)} in (${stale})`)
    const deleted = toNumber((await query.executeTakeFirst()).numDeletedRows)
    total += deleted
    if (deleted < batchSize) return total
  }
}

export class SqlMfaStore implements MfaStore {
  readonly #db: Kysely<Database>
  readonly #writers: Writers
  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#postgres = database.dialect === 'postgres'
  }

  async totp(userId: number): Promise<TotpRecord | undefined> {
    const row = await this.#db
      .selectFrom('mfa_totp')
      .select(['secret', 'confirmed_at', 'last_step'])
      .where('user_id', '=', userId)
      .executeTakeFirst()
    if (row === undefined) return undefined
    return {
      secret: row.secret,
      confirmedAt: fromMillisOrNull(row.confirmed_at),
      lastStep: row.last_step === null ? null : toNumber(row.last_step),
    }
  }

  async setPendingTotp(userId: number, secret: string, now: Date): Promise<boolean> {
    return this.#writers.transaction(async (tx) => {
      const existing = await tx
        .selectFrom('mfa_totp')
        .select('confirmed_at')
        .where('user_id', '=', userId)
        .executeTakeFirst()
      if (existing !== undefined && existing.confirmed_at !== null) return false
      await tx
        .deleteFrom('mfa_totp')
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .execute()
      await tx
        .insertInto('mfa_totp')
        .values({ user_id: userId, secret, confirmed_at: null, last_step: null, created_at: toMillis(now) })
        .execute()
      return true
    })
  }

  async acceptTotpStep(userId: number, step: number, now: Date, confirm: boolean): Promise<boolean> {
    // One conditional UPDATE: PostgreSQL re-checks the condition on a row a concurrent update
    // committed, and SQLite runs writes one at a time, so one step is accepted at most once.
    const result = await this.#writers.write((db) =>
      db
        .updateTable('mfa_totp')
        .set(confirm ? { last_step: step, confirmed_at: toMillis(now) } : { last_step: step })
        .where('user_id', '=', userId)
        .where('confirmed_at', confirm ? 'is' : 'is not', null)
        .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
        .executeTakeFirst(),
    )
    return toNumber(result.numUpdatedRows) === 1
  }

  async deleteTotp(userId: number): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db.deleteFrom('mfa_totp').where('user_id', '=', userId).executeTakeFirst(),
    )
    return toNumber(result.numDeletedRows) > 0
  }

  async resealTotp(userId: number, sealed: string, resealed: string): Promise<void> {
    await this.#writers.write((db) =>
      db
        .updateTable('mfa_totp')
        .set({ secret: resealed })
        .where('user_id', '=', userId)
        .where('secret', '=', sealed)
        .execute(),
    )
  }

  async replaceRecoveryCodes(userId: number, hashes: readonly string[], now: Date): Promise<void> {
    await this.#writers.transaction(async (tx) => {
      await tx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute()
      if (hashes.length === 0) return
      await tx
        .insertInto('mfa_recovery_codes')
        .values(
          hashes.map((hash) => ({
            code_hash: hash,
            user_id: userId,
            created_at: toMillis(now),
            used_at: null,
          })),
        )
        .execute()
    })
  }

  async redeemRecoveryCode(userId: number, hash: string, now: Date): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db
        .updateTable('mfa_recovery_codes')
        .set({ used_at: toMillis(now) })
        .where('code_hash', '=', hash)
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    )
    return toNumber(result.numUpdatedRows) === 1
  }

  async remainingRecoveryCodes(userId: number): Promise<number> {
    const row = await this.#db
      .selectFrom('mfa_recovery_codes')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    return toNumber(row?.n ?? 0)
  }

  async issueChallenge(challenge: Omit<MfaChallenge, 'attempts'>): Promise<void> {
    await this.#writers.write((db) =>
      db
        .insertInto('mfa_challenges')
        .values({
          token_hash: challenge.hash,
          user_id: challenge.userId,
          purpose: challenge.purpose,
          created_at: toMillis(challenge.createdAt),
          expires_at: toMillis(challenge.expiresAt),
          attempts: 0,
          used_at: null,
        })
        .execute(),
    )
  }

  async attemptChallenge(hash: string, now: Date, maxAttempts: number): Promise<MfaChallenge | undefined> {
    const row = await this.#writers.write((db) =>
      db
        .updateTable('mfa_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', toMillis(now))
        .where('attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst(),
    )
    if (row === undefined) return undefined
    return {
      hash: row.token_hash,
      userId: toNumber(row.user_id),
      purpose: row.purpose as MfaChallengePurpose,
      createdAt: fromMillis(row.created_at),
      expiresAt: fromMillis(row.expires_at),
      attempts: toNumber(row.attempts),
    }
  }

  async finishChallenge(hash: string, now: Date): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db
        .updateTable('mfa_challenges')
        .set({ used_at: toMillis(now) })
        .where('token_hash', '=', hash)
        .where('used_at', 'is', null)
        .executeTakeFirst(),
    )
    return toNumber(result.numUpdatedRows) === 1
  }

  flushExpired(now: Date, batchSize: number): Promise<number> {
    return deleteInBatches(this.#db, this.#postgres, 'mfa_challenges', 'token_hash', now, batchSize)
  }
}
