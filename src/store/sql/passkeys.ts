/** `PasskeyStore` on `webauthn_credentials` and `webauthn_challenges`. */
import type { Kysely, Selectable } from 'kysely'
import type { PasskeyRecord, PasskeyStore, WebauthnChallenge, WebauthnChallengePurpose } from '../ports.js'
import { fromFlag, fromMillis, fromMillisOrNull, toFlag, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import { deleteInBatches } from './mfa.js'
import type { Database, WebauthnCredentialsTable } from './schema.js'

const transportsOf = (json: string): string[] => {
  try {
    const parsed: unknown = JSON.parse(json)
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : []
  } catch {
    return []
  }
}

const toPasskey = (row: Selectable<WebauthnCredentialsTable>): PasskeyRecord => ({
  id: row.id,
  userId: toNumber(row.user_id),
  userHandle: row.user_handle,
  publicKey: row.public_key,
  counter: toNumber(row.counter),
  transports: transportsOf(row.transports),
  name: row.name,
  backedUp: fromFlag(row.backed_up),
  deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
  createdAt: fromMillis(row.created_at),
  lastUsedAt: fromMillisOrNull(row.last_used_at),
})

export class SqlPasskeyStore implements PasskeyStore {
  readonly #db: Kysely<Database>
  readonly #writers: Writers
  readonly #postgres: boolean

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#postgres = database.dialect === 'postgres'
  }

  async add(passkey: PasskeyRecord): Promise<void> {
    await this.#writers.write((db) =>
      db
        .insertInto('webauthn_credentials')
        .values({
          id: passkey.id,
          user_id: passkey.userId,
          user_handle: passkey.userHandle,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports),
          name: passkey.name,
          backed_up: toFlag(passkey.backedUp),
          device_type: passkey.deviceType,
          created_at: toMillis(passkey.createdAt),
          last_used_at: passkey.lastUsedAt === null ? null : toMillis(passkey.lastUsedAt),
        })
        .execute(),
    )
  }

  async find(id: string): Promise<PasskeyRecord | undefined> {
    const row = await this.#db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row && toPasskey(row)
  }

  async listFor(userId: number): Promise<PasskeyRecord[]> {
    const rows = await this.#db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toPasskey)
  }

  async recordUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db
        .updateTable('webauthn_credentials')
        .set({ counter, last_used_at: toMillis(at) })
        .where('id', '=', id)
        .where('counter', '=', expectedCounter)
        .executeTakeFirst(),
    )
    return toNumber(result.numUpdatedRows) === 1
  }

  async delete(userId: number, id: string): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db
        .deleteFrom('webauthn_credentials')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst(),
    )
    return toNumber(result.numDeletedRows) === 1
  }

  async deleteAllFor(userId: number): Promise<number> {
    const result = await this.#writers.write((db) =>
      db.deleteFrom('webauthn_credentials').where('user_id', '=', userId).executeTakeFirst(),
    )
    return toNumber(result.numDeletedRows)
  }

  async saveChallenge(challenge: WebauthnChallenge): Promise<void> {
    await this.#writers.write((db) =>
      db
        .insertInto('webauthn_challenges')
        .values({
          challenge: challenge.challenge,
          purpose: challenge.purpose,
          user_id: challenge.userId,
          created_at: toMillis(challenge.createdAt),
          expires_at: toMillis(challenge.expiresAt),
          used_at: null,
        })
        .execute(),
    )
  }

  async takeChallenge(
    challenge: string,
    purpose: WebauthnChallengePurpose,
    now: Date,
  ): Promise<WebauthnChallenge | undefined> {
    const row = await this.#writers.write((db) =>
      db
        .updateTable('webauthn_challenges')
        .set({ used_at: toMillis(now) })
        .where('challenge', '=', challenge)
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', toMillis(now))
        .returningAll()
        .executeTakeFirst(),
    )
    if (row === undefined) return undefined
    return {
      challenge: row.challenge,
      purpose: row.purpose as WebauthnChallengePurpose,
      userId: row.user_id === null ? null : toNumber(row.user_id),
      createdAt: fromMillis(row.created_at),
      expiresAt: fromMillis(row.expires_at),
    }
  }

  flushExpired(now: Date, batchSize: number): Promise<number> {
    return deleteInBatches(this.#db, this.#postgres, 'webauthn_challenges', 'challenge', now, batchSize)
  }
}
