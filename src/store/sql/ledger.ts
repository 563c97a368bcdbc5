/**
 * `TokenLedger` on `outstanding_tokens` and `blacklisted_tokens`: every refresh token issued,
 * the blacklist, atomic rotation, family and user revocation, and the expiry flush.
 */
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely'
import type {
  AccountRotation,
  OutstandingToken,
  Replacement,
  RotationResult,
  SessionRecord,
  TokenLedger,
  UserStore,
  UserWithGroups,
} from '../ports.js'
import { fromMillis, fromMillisOrNull, toIpColumn, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import { nextFeedSeq } from './feed.js'
import type { Writers } from './group-commit.js'
import { RefreshBatcher } from './refresh-batch.js'
import { BLACKLISTED_DURING_ROTATION, sqlStateOf } from './sql-state.js'
import type { Database, OutstandingTokensTable, UsersTable } from './schema.js'
import { selectUserWithGroups, toUser } from './users.js'

function toSession(row: Selectable<OutstandingTokensTable>): SessionRecord {
  return {
    jti: row.jti,
    userId: toNumber(row.user_id),
    familyId: row.family_id,
    parentJti: row.parent_jti,
    createdAt: fromMillis(row.created_at),
    expiresAt: fromMillis(row.expires_at),
    userAgent: row.user_agent,
    ip: row.ip,
    lastUsedAt: fromMillisOrNull(row.last_used_at),
  }
}

function toRow(token: OutstandingToken, lastUsedAt: number | null = null) {
  return {
    jti: token.jti,
    user_id: token.userId,
    family_id: token.familyId,
    parent_jti: token.parentJti,
    created_at: toMillis(token.createdAt),
    expires_at: toMillis(token.expiresAt),
    rotated_at: null,
    replaced_by: null,
    last_used_at: lastUsedAt,
    user_agent: token.userAgent,
    ip: toIpColumn(token.ip),
  }
}

/** What `tessera_refresh()` (migration 0009) answers, as pg parses its JSON. */
interface RefreshAnswer {
  /** Absent when the user was not asked for; null when the user no longer exists. */
  user?: Selectable<UsersTable> | null
  groups?: string[]
  /** Absent when the user is inactive (nothing changed). */
  outcome?: 'rotated' | 'already_rotated' | 'blacklisted'
  family?: string
  rotated_at?: number
  replaced_by?: string | null
  replacement?: { jti: string; created_at: number; expires_at: number; unused: boolean } | null
}

/** The rotation outcome in a `tessera_refresh()` answer. */
function rotationOf(answer: RefreshAnswer): RotationResult {
  if (answer.outcome === 'rotated' && answer.family !== undefined) {
    return { outcome: 'rotated', familyId: answer.family }
  }
  if (
    answer.outcome === 'already_rotated' &&
    answer.family !== undefined &&
    answer.rotated_at !== undefined
  ) {
    const child = answer.replacement ?? null
    return {
      outcome: 'already_rotated',
      rotatedAt: fromMillis(answer.rotated_at),
      replacedBy: answer.replaced_by ?? null,
      familyId: answer.family,
      replacement:
        child === null
          ? null
          : {
              jti: child.jti,
              createdAt: fromMillis(child.created_at),
              expiresAt: fromMillis(child.expires_at),
              unused: child.unused,
            },
    }
  }
  if (answer.outcome === 'blacklisted') return { outcome: 'blacklisted' }
  throw new Error(`tessera_refresh() answered no outcome: ${JSON.stringify(answer.outcome ?? null)}`)
}

/** Ends a rotation transaction with a rollback and a result for the caller. */
class RotationAborted extends Error {
  constructor(readonly result: RotationResult) {
    super(result.outcome)
  }
}

/**
 * How long after its last token expired a session still counts as live when a user's sessions
 * are ended: an access token issued just before may outlive the refresh token that issued it.
 */
const ENDED_SLACK_MS = 2000

async function readWithGroups(users: UserStore, id: number): Promise<UserWithGroups | undefined> {
  const user = await users.findById(id)
  return user && { user, groups: await users.groupNames(id) }
}

export class SqlTokenLedger implements TokenLedger {
  readonly #db: Kysely<Database>
  /**
   * PostgreSQL runs transactions side by side, so writers that must not cross (a logout and a
   * refresh of one token, a family revocation and a rotation in it) take row locks. SQLite runs
   * one transaction at a time on its single connection and needs none.
   */
  readonly #rowLocks: boolean
  readonly #dialect: SqlDatabase['dialect']
  readonly #writers: Writers
  readonly #refreshBatch: RefreshBatcher
  /**
   * An app's own users store (`app-users.ts`), read through its port instead of Tessera's `users`
   * table; undefined when the users are Tessera's.
   */
  readonly #appUsers: UserStore | undefined

  constructor(database: SqlDatabase, appUsers?: UserStore) {
    this.#appUsers = appUsers
    this.#db = database.db
    this.#writers = database.writers
    this.#dialect = database.dialect
    this.#rowLocks = database.dialect === 'postgres'
    this.#refreshBatch = new RefreshBatcher(database.db)
  }

  async recordIssued(token: OutstandingToken): Promise<void> {
    await this.#writers.write((db) => this.#recordIfMissing(db, token))
  }

  async #recordIfMissing(db: Kysely<Database>, token: OutstandingToken): Promise<void> {
    await db
      .insertInto('outstanding_tokens')
      .values(toRow(token))
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .execute()
  }

  /**
   * Records an unknown token unless its user is gone: a logout with a deleted user's token still
   * blacklists it (the blacklist has no foreign key), where the insert would break `user_id`'s.
   */
  async #recordIfUserExists(
    tx: Transaction<Database>,
    token: OutstandingToken,
    appUserExists: boolean | undefined,
  ): Promise<void> {
    const known = await tx
      .selectFrom('outstanding_tokens')
      .select('jti')
      .where('jti', '=', token.jti)
      .executeTakeFirst()
    if (known !== undefined) return
    const exists =
      appUserExists ??
      (await tx.selectFrom('users').select('id').where('id', '=', token.userId).executeTakeFirst()) !==
        undefined
    if (exists) await this.#recordIfMissing(tx, token)
  }

  async isBlacklisted(jti: string): Promise<boolean> {
    return this.#isBlacklisted(this.#db, jti)
  }

  async #isBlacklisted(db: Kysely<Database>, jti: string): Promise<boolean> {
    const row = await db
      .selectFrom('blacklisted_tokens')
      .select('jti')
      .where('jti', '=', jti)
      .executeTakeFirst()
    return row !== undefined
  }

  /** Holds the row locks of the given outstanding tokens until the transaction ends (PostgreSQL). */
  async #lock(
    tx: Transaction<Database>,
    by: 'jti' | 'family_id' | 'user_id',
    value: string | number,
  ): Promise<void> {
    if (!this.#rowLocks) return
    // In jti order, as tessera_refresh_rotate_many() takes its rows: no two writers wait on each other.
    await tx
      .selectFrom('outstanding_tokens')
      .select('jti')
      .where(by, '=', value)
      .orderBy('jti')
      .forUpdate()
      .execute()
  }

  async blacklist(token: OutstandingToken, at: Date, voidUntil: Date): Promise<boolean> {
    // An app's table is read before the transaction: on SQLite its store may share the connection.
    const appUserExists =
      this.#appUsers === undefined ? undefined : (await this.#appUsers.findById(token.userId)) !== undefined
    return this.#writers.transaction(async (tx) => {
      await this.#recordIfUserExists(tx, token, appUserExists)
      const known = await tx
        .selectFrom('outstanding_tokens')
        .select(['family_id', 'user_id'])
        .where('jti', '=', token.jti)
        .executeTakeFirst()
      const familyId = known?.family_id ?? token.familyId
      // Waits for a rotation in flight in the family, so its replacement is ended below too.
      await this.#lock(tx, 'family_id', familyId)
      const result = await tx
        .insertInto('blacklisted_tokens')
        .values({ jti: token.jti, blacklisted_at: toMillis(at), expires_at: toMillis(token.expiresAt) })
        .onConflict((conflict) => conflict.column('jti').doNothing())
        .executeTakeFirst()
      const fresh = toNumber(result.numInsertedOrUpdatedRows ?? 0n) > 0
      if (fresh) {
        await this.#blacklistLive(tx, 'family_id', familyId, toMillis(at))
        await this.#recordEnded(tx, 'family_id', familyId, toMillis(at), toMillis(voidUntil), {
          sessionId: familyId,
          userId: known === undefined ? token.userId : toNumber(known.user_id),
        })
      }
      return fresh
    })
  }

  /**
   * Outcomes, in order of precedence: a token already rotated answers `already_rotated` (even
   * when it was blacklisted by that rotation or a later revocation: the caller tells a retry from
   * a replay by `rotatedAt` and the replacement's state); a blacklisted token that was never
   * rotated answers `blacklisted` and nothing changes; otherwise this call wins.
   *
   * One algorithm per backend: on PostgreSQL `tessera_refresh()` (migration 0009), batched with
   * the refreshes of the same event-loop turn; on SQLite the transaction below. The conditional
   * claim is what makes exactly one of concurrent calls win: PostgreSQL re-checks
   * `rotated_at IS NULL` after waiting for the row lock, and SQLite runs the transactions one at a
   * time.
   *
   * The replacement joins the family recorded for `old` (its `familyId` field is ignored) with
   * `old` as parent, and both tokens get `last_used_at = at`.
   */
  async rotate(
    old: OutstandingToken,
    replacement: OutstandingToken | null,
    at: Date,
    blacklistOld: boolean,
  ): Promise<RotationResult> {
    const now = toMillis(at)
    if (this.#dialect === 'postgres') {
      const answer = await this.#refreshOnPostgres(old, replacement, now, blacklistOld, false)
      return answer === undefined ? { outcome: 'blacklisted' } : rotationOf(answer)
    }
    const { rotation } = await this.#rotateOnSqlite(old, replacement, now, blacklistOld, false)
    if (rotation === null) throw new Error('a rotation without a user read always has an outcome')
    return rotation
  }

  /**
   * A refresh's read of the token's user (with their groups) and its rotation, in one step: one
   * round trip on PostgreSQL, one transaction on SQLite. When the user exists and is active,
   * rotates exactly as `rotate` would; otherwise changes nothing.
   */
  async rotateForActiveUser(
    old: OutstandingToken,
    replacement: OutstandingToken,
    at: Date,
    blacklistOld: boolean,
  ): Promise<AccountRotation> {
    if (this.#appUsers !== undefined)
      return this.#rotateForActiveAppUser(this.#appUsers, old, replacement, at, blacklistOld)
    const now = toMillis(at)
    if (this.#dialect === 'sqlite') {
      const { account, rotation } = await this.#rotateOnSqlite(old, replacement, now, blacklistOld, true)
      return account === undefined || rotation === null ? { account, rotation: null } : { account, rotation }
    }
    const answer = await this.#refreshOnPostgres(old, replacement, now, blacklistOld, true)
    if (answer === undefined) {
      // A logout blacklisted the token during its rotation, and the call was undone: the user
      // is read again, on their own.
      const account = await selectUserWithGroups(this.#db, this.#dialect, old.userId)
      return account === undefined || !account.user.isActive
        ? { account, rotation: null }
        : { account, rotation: { outcome: 'blacklisted' } }
    }
    if (answer.user == null) return { account: undefined, rotation: null }
    // Sorted here, not in SQL: collations differ between the dialects, code-unit order does not.
    const account = { user: toUser(answer.user), groups: (answer.groups ?? []).sort() }
    if (!account.user.isActive || answer.outcome === undefined) return { account, rotation: null }
    return { account, rotation: rotationOf(answer) }
  }

  /**
   * With an app's own users table, the user is read through its store, then the token rotated:
   * two steps, not one. A deactivation between them lets this one refresh through; the access
   * token it yields is void all the same, since deactivating sets the user's cut-off.
   */
  async #rotateForActiveAppUser(
    users: UserStore,
    old: OutstandingToken,
    replacement: OutstandingToken,
    at: Date,
    blacklistOld: boolean,
  ): Promise<AccountRotation> {
    const account = users.findWithGroups
      ? await users.findWithGroups(old.userId)
      : await readWithGroups(users, old.userId)
    if (account === undefined || !account.user.isActive) return { account, rotation: null }
    return { account, rotation: await this.rotate(old, replacement, at, blacklistOld) }
  }

  /**
   * PostgreSQL: one `tessera_refresh()`, batched. Undefined when a logout blacklisted the token
   * between the claim's snapshot and its row lock (SQLSTATE TSR01: the call changed nothing).
   */
  async #refreshOnPostgres(
    old: OutstandingToken,
    replacement: OutstandingToken | null,
    now: number,
    blacklistOld: boolean,
    readUser: boolean,
  ): Promise<RefreshAnswer | undefined> {
    try {
      return (await this.#refreshBatch.run({
        owner_id: old.userId,
        read_user: readUser,
        old_jti: old.jti,
        old_created_at: toMillis(old.createdAt),
        old_expires_at: toMillis(old.expiresAt),
        at_ms: now,
        blacklist_old: blacklistOld,
        new_jti: replacement?.jti ?? null,
        new_created_at: replacement === null ? null : toMillis(replacement.createdAt),
        new_expires_at: replacement === null ? null : toMillis(replacement.expiresAt),
        user_agent: (replacement ?? old).userAgent,
        ip: toIpColumn((replacement ?? old).ip),
      })) as RefreshAnswer
    } catch (error) {
      if (sqlStateOf(error) === BLACKLISTED_DURING_ROTATION) return undefined
      throw error
    }
  }

  /** SQLite: the user's read (when asked) and the rotation, every outcome, in one transaction. */
  async #rotateOnSqlite(
    old: OutstandingToken,
    replacement: OutstandingToken | null,
    now: number,
    blacklistOld: boolean,
    readUser: boolean,
  ): Promise<{ account: UserWithGroups | undefined; rotation: RotationResult | null }> {
    let account: UserWithGroups | undefined
    try {
      return await this.#writers.transaction(async (tx) => {
        if (readUser) {
          account = await selectUserWithGroups(tx, this.#dialect, old.userId)
          if (account === undefined || !account.user.isActive) return { account, rotation: null }
        }
        const claimed = await this.#claim(tx, old, replacement?.jti ?? null, now)
        if ('outcome' in claimed) return { account, rotation: claimed }
        if (replacement !== null) {
          await tx
            .insertInto('outstanding_tokens')
            .values({ ...toRow(replacement, now), family_id: claimed.familyId, parent_jti: old.jti })
            .execute()
        }
        if (blacklistOld) {
          const inserted = await tx
            .insertInto('blacklisted_tokens')
            .values({ jti: old.jti, blacklisted_at: now, expires_at: toMillis(old.expiresAt) })
            .onConflict((conflict) => conflict.column('jti').doNothing())
            .executeTakeFirst()
          // Unreachable while one transaction runs at a time (the claim saw no blacklist entry).
          if (toNumber(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
            throw new RotationAborted({ outcome: 'blacklisted' })
          }
        }
        return { account, rotation: { outcome: 'rotated', familyId: claimed.familyId } }
      })
    } catch (error) {
      if (error instanceof RotationAborted) return { account, rotation: error.result }
      throw error
    }
  }

  /**
   * Marks `old` rotated if nobody has and it is not blacklisted, recording it first when the
   * ledger has never seen it. Returns its family, or the outcome when this call cannot win.
   */
  async #claim(
    tx: Transaction<Database>,
    old: OutstandingToken,
    replacedBy: string | null,
    now: number,
  ): Promise<{ familyId: string } | RotationResult> {
    // Twice at most: the second pass follows the recording of an unknown token.
    for (let attempt = 0; attempt < 2; attempt++) {
      const claimed = await tx
        .updateTable('outstanding_tokens')
        .set({ rotated_at: now, replaced_by: replacedBy, last_used_at: now })
        .where('jti', '=', old.jti)
        .where('rotated_at', 'is', null)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('blacklisted_tokens').select('jti').where('jti', '=', old.jti))),
        )
        .returning('family_id')
        .executeTakeFirst()
      if (claimed !== undefined) return { familyId: claimed.family_id }

      const row = await tx
        .selectFrom('outstanding_tokens')
        .select(['rotated_at', 'replaced_by', 'family_id'])
        .where('jti', '=', old.jti)
        .executeTakeFirst()
      if (row?.rotated_at != null) {
        return {
          outcome: 'already_rotated',
          rotatedAt: fromMillis(row.rotated_at),
          replacedBy: row.replaced_by,
          familyId: row.family_id,
          replacement: row.replaced_by === null ? null : await this.#replacement(tx, row.replaced_by),
        }
      }
      if (await this.#isBlacklisted(tx, old.jti)) return { outcome: 'blacklisted' }
      if (row !== undefined) break
      await this.#recordIfMissing(tx, old)
    }
    throw new Error(`token ${old.jti} is neither rotated nor blacklisted, yet could not be claimed`)
  }

  /** The replacement of a rotated token, with whether it is still unused. */
  async #replacement(tx: Transaction<Database>, jti: string): Promise<Replacement | null> {
    const row = await tx
      .selectFrom('outstanding_tokens as o')
      .leftJoin('blacklisted_tokens as b', 'b.jti', 'o.jti')
      .select(['o.jti', 'o.created_at', 'o.expires_at', 'o.rotated_at', 'b.jti as blacklisted'])
      .where('o.jti', '=', jti)
      .executeTakeFirst()
    if (row === undefined) return null
    return {
      jti: row.jti,
      createdAt: fromMillis(row.created_at),
      expiresAt: fromMillis(row.expires_at),
      unused: row.rotated_at === null && row.blacklisted === null,
    }
  }

  async revokeFamily(familyId: string, at: Date, voidUntil: Date): Promise<number> {
    return this.#revokeWhere('family_id', familyId, at, voidUntil)
  }

  async revokeUser(userId: number, at: Date, voidUntil: Date): Promise<number> {
    return this.#revokeWhere('user_id', userId, at, voidUntil)
  }

  /** Ends the sessions matching `by`: their live tokens blacklisted, the families recorded as ended. */
  async #revokeWhere(
    by: 'family_id' | 'user_id',
    value: string | number,
    at: Date,
    voidUntil: Date,
  ): Promise<number> {
    const now = toMillis(at)
    return this.#writers.transaction(async (tx) => {
      // Waits for a rotation in flight, so its replacement is seen (and revoked) below.
      await this.#lock(tx, by, value)
      const blacklisted = await this.#blacklistLive(tx, by, value, now)
      const only = by === 'family_id' ? { sessionId: String(value), userId: null } : undefined
      await this.#recordEnded(tx, by, value, now, toMillis(voidUntil), only)
      return blacklisted
    })
  }

  /** Blacklists, in one statement, every unexpired token matching `by` that is not yet blacklisted. */
  async #blacklistLive(
    tx: Transaction<Database>,
    by: 'family_id' | 'user_id',
    value: string | number,
    now: number,
  ): Promise<number> {
    const result = await tx
      .insertInto('blacklisted_tokens')
      .columns(['jti', 'blacklisted_at', 'expires_at'])
      .expression(
        tx
          .selectFrom('outstanding_tokens as o')
          // A typed parameter: PostgreSQL would otherwise read it as text in a SELECT list.
          .select(['o.jti', sql<number>`cast(${now} as bigint)`.as('blacklisted_at'), 'o.expires_at'])
          .where(`o.${by}`, '=', value)
          .where('o.expires_at', '>', now)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(selectFrom('blacklisted_tokens as b').select('b.jti').whereRef('b.jti', '=', 'o.jti')),
            ),
          ),
      )
      .onConflict((conflict) => conflict.column('jti').doNothing())
      .executeTakeFirst()
    return toNumber(result.numInsertedOrUpdatedRows ?? 0n)
  }

  /**
   * Records the sessions matching `by` as ended, in the feed every instance follows. A family
   * counts when one of its tokens is unexpired or expired within `ENDED_SLACK_MS`: an access token
   * it issued may still be valid. `only` names a single family to record even when the ledger
   * has no row of it (a logout with a token it never saw); its `userId` is looked up when null.
   */
  async #recordEnded(
    tx: Transaction<Database>,
    by: 'family_id' | 'user_id',
    value: string | number,
    now: number,
    voidUntil: number,
    only?: { sessionId: string; userId: number | null },
  ): Promise<void> {
    const seq = await nextFeedSeq(tx, this.#dialect, 'ended_sessions', now)
    if (only !== undefined) {
      let userId = only.userId
      if (userId === null) {
        const row = await tx
          .selectFrom('outstanding_tokens')
          .select('user_id')
          .where('family_id', '=', only.sessionId)
          .executeTakeFirst()
        if (row === undefined) return
        userId = toNumber(row.user_id)
      }
      await tx
        .insertInto('ended_sessions')
        .values({ session_id: only.sessionId, user_id: userId, ended_at: now, void_until: voidUntil, seq })
        .onConflict((conflict) => conflict.column('session_id').doNothing())
        .execute()
      return
    }
    await tx
      .insertInto('ended_sessions')
      .columns(['session_id', 'user_id', 'ended_at', 'void_until', 'seq'])
      .expression(
        tx
          .selectFrom('outstanding_tokens as o')
          .select([
            'o.family_id',
            'o.user_id',
            sql<number>`cast(${now} as bigint)`.as('ended_at'),
            sql<number>`cast(${voidUntil} as bigint)`.as('void_until'),
            sql<number>`cast(${seq} as bigint)`.as('seq'),
          ])
          .distinct()
          .where(`o.${by}`, '=', value)
          .where('o.expires_at', '>', now - ENDED_SLACK_MS),
      )
      .onConflict((conflict) => conflict.column('session_id').doNothing())
      .execute()
  }

  async liveSessions(userId: number, now: Date): Promise<SessionRecord[]> {
    const rows = await this.#db
      .selectFrom('outstanding_tokens as o')
      .selectAll('o')
      .where('o.user_id', '=', userId)
      .where('o.expires_at', '>', toMillis(now))
      .where('o.rotated_at', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('blacklisted_tokens as b').select('b.jti').whereRef('b.jti', '=', 'o.jti'))),
      )
      .orderBy('o.created_at', 'desc')
      .orderBy('o.jti', 'desc')
      .execute()
    return rows.map(toSession)
  }

  /**
   * Deletes expired rows `batchSize` at a time, each batch its own short statement, so a large
   * backlog never holds a long lock or builds one huge transaction.
   *
   * @throws RangeError unless `batchSize` is a positive integer.
   */
  async flushExpired(
    now: Date,
    batchSize: number,
  ): Promise<{ outstanding: number; blacklisted: number; endedSessions: number }> {
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError('batchSize must be a positive integer')
    const cutoff = toMillis(now)
    const outstanding = await this.#deleteInBatches(batchSize, (db) =>
      this.#deleteExpired(db, 'outstanding_tokens', cutoff, batchSize),
    )
    const blacklisted = await this.#deleteInBatches(batchSize, (db) =>
      this.#deleteExpired(db, 'blacklisted_tokens', cutoff, batchSize),
    )
    const endedSessions = await this.#deleteInBatches(batchSize, (db) =>
      this.#deleteEndedSessions(db, cutoff, batchSize),
    )
    return { outstanding, blacklisted, endedSessions }
  }

  /**
   * One batch: the oldest expired rows, found through the expires_at index and deleted by primary
   * key. PostgreSQL plans `jti IN (subquery)` as a hash join over the whole table; `= ANY(ARRAY(…))`
   * makes it look each one up by key (test/store/query-plans.test.ts). SQLite has no arrays and
   * plans the IN form by key anyway.
   */
  #deleteExpired(
    db: Kysely<Database>,
    table: 'outstanding_tokens' | 'blacklisted_tokens',
    cutoff: number,
    batchSize: number,
  ) {
    const expired = db
      .selectFrom(table)
      .select('jti')
      .where('expires_at', '<=', cutoff)
      .orderBy('expires_at')
      .limit(batchSize)
    const query = this.#rowLocks
      ? db.deleteFrom(table).where(sql<boolean>`jti = any(array(${expired}))`)
      : db.deleteFrom(table).where('jti', 'in', expired)
    return query.executeTakeFirst()
  }

  /** One batch of ended sessions none of whose access tokens can still be valid, as above. */
  #deleteEndedSessions(db: Kysely<Database>, cutoff: number, batchSize: number) {
    const done = db
      .selectFrom('ended_sessions')
      .select('session_id')
      .where('void_until', '<=', cutoff)
      .orderBy('void_until')
      .limit(batchSize)
    const query = this.#rowLocks
      ? db.deleteFrom('ended_sessions').where(sql<boolean>`session_id = any(array(${done}))`)
      : db.deleteFrom('ended_sessions').where('session_id', 'in', done)
    return query.executeTakeFirst()
  }

  async #deleteInBatches(
    batchSize: number,
    deleteBatch: (db: Kysely<Database>) => Promise<{ numDeletedRows: bigint }>,
  ): Promise<number> {
    let total = 0
    for (;;) {
      const deleted = toNumber((await deleteBatch(this.#db)).numDeletedRows)
      total += deleted
      if (deleted < batchSize) return total
    }
  }
}
