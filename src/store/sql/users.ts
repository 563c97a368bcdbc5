/** `UserStore` on the `users`, `groups` and `user_groups` tables. */
import { type Kysely, type Selectable, sql } from 'kysely'
import { UniqueViolation, UserNotFound } from '../../core/errors.js'
import { usernameKey } from '../../core/username-key.js'
import type { NewUser, UserPatch, UserRecord, UserStore, UserWithGroups } from '../ports.js'
import {
  fromFlag,
  fromMillis,
  fromMillisOrNull,
  toFlag,
  toMillis,
  toMillisOrNull,
  toNumber,
} from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import { replaceGroupMemberships } from './group-memberships.js'
import type { Database, UsersTable } from './schema.js'
import { type UniqueField, uniqueViolationFields } from './unique.js'

/** What `importUsers` did: how many were imported, and who was skipped and why. */
export interface ImportReport {
  imported: number
  skipped: { username: string; reasons: string[] }[]
}

/** A users row as a record. Also reads the JSON of PostgreSQL's `row_to_json(users)`. */
export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: toNumber(row.id),
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    firstName: row.first_name,
    lastName: row.last_name,
    isActive: fromFlag(row.is_active),
    isStaff: fromFlag(row.is_staff),
    isSuperuser: fromFlag(row.is_superuser),
    dateJoined: fromMillis(row.date_joined),
    lastLogin: fromMillisOrNull(row.last_login),
    emailVerified: fromFlag(row.email_verified),
  }
}

/** Rethrows a unique violation that slipped past the up-front check (a concurrent writer). */
function rethrowUnique(error: unknown): never {
  const fields = uniqueViolationFields(error)
  throw fields === null ? error : new UniqueViolation(fields)
}

export class SqlUserStore implements UserStore {
  readonly #db: Kysely<Database>
  readonly #dialect: SqlDatabase['dialect']
  readonly #writers: Writers

  constructor(database: SqlDatabase) {
    this.#db = database.db
    this.#writers = database.writers
    this.#dialect = database.dialect
  }

  async findById(id: number): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toUser(row)
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst()
    return row && toUser(row)
  }

  async findByUsernameKey(username: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('username_key', '=', usernameKey(username))
      .executeTakeFirst()
    return row && toUser(row)
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    // The same expression as the unique index, so the index serves the lookup.
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where(sql`lower(email)`, '=', sql`lower(${email})`)
      .executeTakeFirst()
    return row && toUser(row)
  }

  /** Which of `username` / `email` another user (not `exceptId`) already has. */
  async #taken(
    tx: Kysely<Database>,
    wanted: { username?: string; email?: string },
    exceptId: number | null,
  ): Promise<UniqueField[]> {
    const taken: UniqueField[] = []
    const others = tx
      .selectFrom('users')
      .select('id')
      .$if(exceptId !== null, (q) => q.where('id', '!=', exceptId ?? 0))
    if (wanted.username !== undefined) {
      const row = await others.where('username', '=', wanted.username).executeTakeFirst()
      if (row) taken.push('username')
    }
    if (wanted.email !== undefined) {
      const row = await others.where(sql`lower(email)`, '=', sql`lower(${wanted.email})`).executeTakeFirst()
      if (row) taken.push('email')
    }
    return taken
  }

  async create(user: NewUser): Promise<UserRecord> {
    try {
      return await this.#writers.transaction(async (tx) => {
        // Both checks before the insert, so a clash on both fields names both.
        const taken = await this.#taken(tx, user, null)
        if (taken.length > 0) throw new UniqueViolation(taken)
        return this.#insert(tx, user)
      })
    } catch (error) {
      return rethrowUnique(error)
    }
  }

  /**
   * Imports users with their groups in one transaction: all of them or, on an unexpected error,
   * none. A user whose id, username or e-mail is taken (by an existing user or an earlier one of
   * the batch) is skipped and reported, never half-written.
   */
  async importUsers(users: readonly (NewUser & { groups: readonly string[] })[]): Promise<ImportReport> {
    return this.#writers.transaction(async (tx) => {
      const report: ImportReport = { imported: 0, skipped: [] }
      for (const { groups, ...user } of users) {
        const taken: string[] = []
        if (user.id !== undefined) {
          const holder = await tx
            .selectFrom('users')
            .select('username')
            .where('id', '=', user.id)
            .executeTakeFirst()
          if (holder) taken.push(`id ${user.id} is '${holder.username}'`)
        }
        for (const field of await this.#taken(tx, user, null)) taken.push(`${field} already taken`)
        if (taken.length > 0) {
          report.skipped.push({ username: user.username, reasons: taken })
          continue
        }
        const created = await this.#insert(tx, user)
        await replaceGroupMemberships(tx, 'user_groups', created.id, groups)
        report.imported++
      }
      return report
    })
  }

  async #insert(tx: Kysely<Database>, user: NewUser): Promise<UserRecord> {
    const row = await tx
      .insertInto('users')
      .values({
        ...(user.id === undefined ? {} : { id: user.id }),
        username: user.username,
        username_key: usernameKey(user.username),
        email: user.email,
        password_hash: user.passwordHash,
        first_name: user.firstName ?? '',
        last_name: user.lastName ?? '',
        is_active: toFlag(user.isActive ?? true),
        is_staff: toFlag(user.isStaff ?? false),
        is_superuser: toFlag(user.isSuperuser ?? false),
        date_joined: toMillis(user.dateJoined ?? new Date()),
        last_login: toMillisOrNull(user.lastLogin),
        email_verified: toFlag(user.emailVerified ?? false),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    if (user.id !== undefined && this.#dialect === 'postgres') {
      // An explicit id does not advance the identity sequence; move it past the largest id.
      await sql`select setval(pg_get_serial_sequence('users', 'id'), (select greatest(max(id), 1) from users))`.execute(
        tx,
      )
    }
    return toUser(row)
  }

  async update(id: number, patch: UserPatch): Promise<UserRecord | undefined> {
    const values = {
      ...(patch.email === undefined ? {} : { email: patch.email }),
      ...(patch.firstName === undefined ? {} : { first_name: patch.firstName }),
      ...(patch.lastName === undefined ? {} : { last_name: patch.lastName }),
      ...(patch.isActive === undefined ? {} : { is_active: toFlag(patch.isActive) }),
      ...(patch.isStaff === undefined ? {} : { is_staff: toFlag(patch.isStaff) }),
      ...(patch.isSuperuser === undefined ? {} : { is_superuser: toFlag(patch.isSuperuser) }),
      ...(patch.passwordHash === undefined ? {} : { password_hash: patch.passwordHash }),
      ...(patch.lastLogin === undefined ? {} : { last_login: toMillisOrNull(patch.lastLogin) }),
      ...(patch.emailVerified === undefined
        ? patch.email === undefined
          ? {}
          : // Verified describes the address: another one is unverified until proved.
            {
              email_verified: sql<
                0 | 1
              >`case when lower(email) = lower(${patch.email}) then email_verified else ${sql.raw(this.#dialect === 'sqlite' ? '0' : 'false')} end`,
            }
        : { email_verified: toFlag(patch.emailVerified) }),
    }
    if (Object.keys(values).length === 0) return this.findById(id)
    try {
      return await this.#writers.transaction(async (tx) => {
        if (patch.email !== undefined) {
          const taken = await this.#taken(tx, { email: patch.email }, id)
          if (taken.length > 0) throw new UniqueViolation(taken)
        }
        const row = await tx
          .updateTable('users')
          .set(values)
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst()
        return row && toUser(row)
      })
    } catch (error) {
      return rethrowUnique(error)
    }
  }

  async reserveId(): Promise<number> {
    if (this.#dialect === 'postgres') {
      const { rows } = await sql<{
        id: number | string
      }>`select nextval(pg_get_serial_sequence('users', 'id')) as id`.execute(this.#db)
      return toNumber(rows[0]?.id ?? 0)
    }
    // AUTOINCREMENT keeps the largest id ever used in sqlite_sequence, an ordinary table.
    return this.#writers.transaction(async (tx) => {
      const bumped = await sql<{
        seq: number
      }>`update sqlite_sequence set seq = seq + 1 where name = 'users' returning seq`.execute(tx)
      const seq = bumped.rows[0]?.seq
      if (seq !== undefined) return toNumber(seq)
      await sql`insert into sqlite_sequence (name, seq) values ('users', 1)`.execute(tx)
      return 1
    })
  }

  async delete(id: number): Promise<boolean> {
    // Group memberships go with the user (ON DELETE CASCADE); refresh tokens have no foreign key
    // since migration 0010 (they may belong to an app's own users table), so they go here.
    return this.#writers.transaction(async (tx) => {
      const result = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst()
      if (result.numDeletedRows === 0n) return false
      await tx.deleteFrom('outstanding_tokens').where('user_id', '=', id).execute()
      return true
    })
  }

  async findWithGroups(id: number): Promise<UserWithGroups | undefined> {
    return selectUserWithGroups(this.#db, this.#dialect, id)
  }

  async groupNames(userId: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('user_groups')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .select('groups.name')
      .where('user_groups.user_id', '=', userId)
      .execute()
    // Sorted here, not in SQL: collations differ between the dialects, code-unit order does not.
    return rows.map((row) => row.name).sort()
  }

  /** @throws UserNotFound for an unknown user. */
  async setGroups(userId: number, names: readonly string[]): Promise<void> {
    const wanted = [...new Set(names)]
    await this.#writers.transaction(async (tx) => {
      const user = await tx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()
      if (user === undefined) throw new UserNotFound()
      await replaceGroupMemberships(tx, 'user_groups', userId, wanted)
    })
  }

  /** Every group with its members' usernames, both sorted. */
  async listGroups(): Promise<{ name: string; members: string[] }[]> {
    const groups = await this.#db.selectFrom('groups').select('name').execute()
    const rows = await this.#db
      .selectFrom('user_groups')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .innerJoin('users', 'users.id', 'user_groups.user_id')
      .select(['groups.name as group', 'users.username as username'])
      .execute()
    return groups
      .map(({ name }) => ({
        name,
        members: rows
          .filter((row) => row.group === name)
          .map((row) => row.username)
          .sort(),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return toNumber(row.n)
  }
}

/**
 * One statement: the user's row, and their group names aggregated as a JSON array by a subquery.
 * Shared by `findWithGroups` and the ledger's one-step refresh when PostgreSQL lacks its function.
 */
export async function selectUserWithGroups(
  db: Kysely<Database>,
  dialect: SqlDatabase['dialect'],
  id: number,
): Promise<UserWithGroups | undefined> {
  const names =
    dialect === 'postgres'
      ? sql<unknown>`(select coalesce(json_agg(g.name), '[]'::json) from user_groups ug join groups g on g.id = ug.group_id where ug.user_id = users.id)`
      : sql<unknown>`(select json_group_array(g.name) from user_groups ug join groups g on g.id = ug.group_id where ug.user_id = users.id)`
  const row = await db
    .selectFrom('users')
    .selectAll('users')
    .select(names.as('group_names'))
    .where('users.id', '=', id)
    .executeTakeFirst()
  if (row === undefined) return undefined
  const { group_names: raw, ...user } = row
  // pg parses json itself; SQLite answers text.
  const groups = (typeof raw === 'string' ? JSON.parse(raw) : raw) as string[]
  return { user: toUser(user), groups: groups.sort() }
}
