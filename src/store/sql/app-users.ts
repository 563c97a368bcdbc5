/**
 * `UserStore` over an app's own users table (say a Django project's `auth_user`, or `accounts`
 * with other column names), as Django projects set `AUTH_USER_MODEL`. The table and column names
 * are configuration: each is checked as a plain SQL identifier and quoted by Kysely, never
 * spliced into SQL as text. Columns the table lacks take fixed values (see `AppUsersTable`).
 *
 * What the table cannot hold is kept in Tessera's tables of the same database, keyed by the app's
 * user id: group memberships (`app_user_groups`), refresh tokens and revocation cut-offs. There is
 * no `findByUsernameKey`: look-alike usernames are the app's rule, and a key column in its table
 * would go stale when the app writes rows itself.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { UniqueViolation, UserNotFound, ValidationFailed } from '../../core/errors.js'
import type { NewUser, UserPatch, UserRecord, UserStore, UserWithGroups } from '../ports.js'
import { toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import { replaceGroupMemberships } from './group-memberships.js'
import type { Database } from './schema.js'
import type { UniqueField } from './unique.js'

/** Where the app keeps its users: the table and which column holds each field. */
export interface AppUsersTable {
  /** The table, optionally with its schema (`public.accounts`, PostgreSQL). */
  table: string
  columns: {
    /** Integer primary key, assigned by the database (serial, identity, autoincrement). */
    id: string
    /** Exact, case-sensitive login name, unique. */
    username: string
    /** The password hash: bcrypt, argon2, Django PBKDF2; argon2id is written back on upgrade. */
    password: string
    /** Absent: every email is '' and login by e-mail finds no one. */
    email?: string
    /** Absent: ''. */
    firstName?: string
    lastName?: string
    /** Absent: every user is active. */
    isActive?: string
    /** Absent: nobody is staff or superuser. */
    isStaff?: string
    isSuperuser?: string
    /** Absent: the epoch (1970-01-01). */
    dateJoined?: string
    /** Absent: null, and logins are not recorded. */
    lastLogin?: string
  }
  /**
   * How the time columns hold a time: `timestamp` (PostgreSQL `timestamptz`, or ISO-8601 text on
   * SQLite, as Django writes it; a time without a zone is UTC), `epoch_ms` or `epoch_s`.
   * Default `timestamp`.
   */
  timeFormat?: 'timestamp' | 'epoch_ms' | 'epoch_s'
  /**
   * How argon2 hashes are written to the password column: `phc` (`$argon2id$…`, default) or
   * `django` (`argon2$argon2id$…`, what Django's Argon2PasswordHasher reads), so a Django project
   * sharing the table keeps logging in users whose hash Tessera upgraded. Read back either way.
   */
  passwordFormat?: 'phc' | 'django'
}

type Field = keyof AppUsersTable['columns']

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const FIELDS: readonly Field[] = [
  'id',
  'username',
  'password',
  'email',
  'firstName',
  'lastName',
  'isActive',
  'isStaff',
  'isSuperuser',
  'dateJoined',
  'lastLogin',
]
const REQUIRED: readonly Field[] = ['id', 'username', 'password']

/**
 * The configuration as the store uses it.
 *
 * @throws TypeError for a missing required column, an unknown field, a name that is not a plain
 * SQL identifier, or one column mapped twice.
 */
function checked(config: AppUsersTable): Required<
  Pick<AppUsersTable, 'table' | 'timeFormat' | 'passwordFormat'>
> & {
  columns: Partial<Record<Field, string>>
} {
  const parts = typeof config.table === 'string' ? config.table.split('.') : []
  if (parts.length < 1 || parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new TypeError(`app users table: invalid table name ${JSON.stringify(config.table)}`)
  }
  const columns: Partial<Record<Field, string>> = {}
  const seen = new Set<string>()
  for (const [field, column] of Object.entries(config.columns ?? {})) {
    if (!FIELDS.includes(field as Field)) throw new TypeError(`app users table: unknown field ${field}`)
    if (column === undefined) continue
    if (typeof column !== 'string' || !IDENTIFIER.test(column)) {
      throw new TypeError(`app users table: invalid column name for ${field}: ${JSON.stringify(column)}`)
    }
    if (seen.has(column)) throw new TypeError(`app users table: column ${column} is mapped twice`)
    seen.add(column)
    columns[field as Field] = column
  }
  for (const field of REQUIRED) {
    if (columns[field] === undefined) throw new TypeError(`app users table: the ${field} column is required`)
  }
  const timeFormat = config.timeFormat ?? 'timestamp'
  if (!['timestamp', 'epoch_ms', 'epoch_s'].includes(timeFormat)) {
    throw new TypeError(`app users table: unknown timeFormat ${JSON.stringify(timeFormat)}`)
  }
  const passwordFormat = config.passwordFormat ?? 'phc'
  if (!['phc', 'django'].includes(passwordFormat)) {
    throw new TypeError(`app users table: unknown passwordFormat ${JSON.stringify(passwordFormat)}`)
  }
  return { table: config.table, columns, timeFormat, passwordFormat }
}

/** Django's Argon2PasswordHasher prefixes the PHC string with its algorithm name. */
const DJANGO_ARGON2 = 'argon2$argon2'

/** A flag as drivers answer it: booleans (PostgreSQL), integers (SQLite, or an int column). */
function flag(value: unknown): boolean {
  return value === true || value === 1 || value === 1n || value === '1' || value === 't' || value === 'true'
}

/** ISO-8601 text with no zone designator (Django on SQLite writes UTC this way). */
const NO_ZONE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/

type Row = Partial<Record<Field, unknown>>

export class AppUserStore implements UserStore {
  readonly #db: Kysely<Database>
  readonly #database: SqlDatabase
  readonly #columns: Partial<Record<Field, string>>
  readonly #timeFormat: 'timestamp' | 'epoch_ms' | 'epoch_s'
  readonly #djangoHashes: boolean
  readonly #table: RawBuilder<unknown>
  /** `"tablename"`, quoted as `pg_get_serial_sequence` parses it. */
  readonly #tableText: string
  readonly #select: RawBuilder<unknown>

  /**
   * @param database The database holding the app's table and Tessera's tables (Tessera's own
   *   store or another handle on the same database); the caller closes it.
   * @throws TypeError for an invalid configuration (see `AppUsersTable`).
   */
  constructor(database: SqlDatabase, config: AppUsersTable) {
    const { table, columns, timeFormat, passwordFormat } = checked(config)
    this.#djangoHashes = passwordFormat === 'django'
    this.#database = database
    this.#db = database.db
    this.#columns = columns
    this.#timeFormat = timeFormat
    this.#table = sql.table(table)
    this.#tableText = table
      .split('.')
      .map((part) => `"${part}"`)
      .join('.')
    this.#select = sql.join(
      FIELDS.flatMap((field) => {
        const column = columns[field]
        return column === undefined ? [] : [sql`${sql.id(column)} as ${sql.id(field)}`]
      }),
    )
  }

  #column(field: Field): RawBuilder<unknown> {
    const column = this.#columns[field]
    if (column === undefined) throw new Error(`unmapped column ${field}`)
    return sql.id(column)
  }

  #record(row: Row): UserRecord {
    const has = (field: Field) => this.#columns[field] !== undefined
    return {
      id: toNumber(row.id as number),
      username: String(row.username),
      email: row.email == null ? '' : String(row.email),
      // A null hash never matches: the hasher treats '' as unusable.
      passwordHash: row.password == null ? '' : this.#fromStoredHash(String(row.password)),
      firstName: row.firstName == null ? '' : String(row.firstName),
      lastName: row.lastName == null ? '' : String(row.lastName),
      isActive: has('isActive') ? flag(row.isActive) : true,
      isStaff: has('isStaff') ? flag(row.isStaff) : false,
      isSuperuser: has('isSuperuser') ? flag(row.isSuperuser) : false,
      dateJoined: this.#fromTime(row.dateJoined) ?? new Date(0),
      lastLogin: this.#fromTime(row.lastLogin),
    }
  }

  /** Django's argon2 hashes read as the PHC string they wrap, so they are not upgraded again. */
  #fromStoredHash(stored: string): string {
    return this.#djangoHashes && stored.startsWith(DJANGO_ARGON2) ? stored.slice('argon2'.length) : stored
  }

  #toStoredHash(hash: string): string {
    return this.#djangoHashes && hash.startsWith('$argon2') ? `argon2${hash}` : hash
  }

  #fromTime(value: unknown): Date | null {
    if (value == null) return null
    if (value instanceof Date) return value
    if (typeof value === 'number' || typeof value === 'bigint') {
      return new Date(Number(value) * (this.#timeFormat === 'epoch_s' ? 1000 : 1))
    }
    const text = String(value)
    if (this.#timeFormat !== 'timestamp')
      return new Date(Number(text) * (this.#timeFormat === 'epoch_s' ? 1000 : 1))
    return new Date(NO_ZONE.test(text) ? `${text.replace(' ', 'T')}Z` : text)
  }

  #toTime(date: Date | null): unknown {
    if (date === null) return null
    if (this.#timeFormat === 'epoch_ms') return date.getTime()
    if (this.#timeFormat === 'epoch_s') return Math.floor(date.getTime() / 1000)
    // better-sqlite3 binds no Date; pg writes one as a timestamp with its zone.
    return this.#database.dialect === 'postgres' ? date : date.toISOString()
  }

  async #one(db: Kysely<Database>, where: RawBuilder<unknown>): Promise<UserRecord | undefined> {
    const { rows } = await sql<Row>`select ${this.#select} from ${this.#table} where ${where}`.execute(db)
    const row = rows[0]
    return row && this.#record(row)
  }

  findById(id: number): Promise<UserRecord | undefined> {
    return this.#one(this.#db, sql`${this.#column('id')} = ${id}`)
  }

  findByUsername(username: string): Promise<UserRecord | undefined> {
    return this.#one(this.#db, sql`${this.#column('username')} = ${username}`)
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    if (this.#columns.email === undefined) return undefined
    return this.#one(this.#db, sql`lower(${this.#column('email')}) = lower(${email})`)
  }

  /** Which of `username` / `email` another user (not `exceptId`) already has. */
  async #taken(
    db: Kysely<Database>,
    wanted: { username?: string; email?: string },
    exceptId: number | null,
  ): Promise<UniqueField[]> {
    const other = exceptId === null ? sql`` : sql` and ${this.#column('id')} <> ${exceptId}`
    const exists = async (where: RawBuilder<unknown>) =>
      (await sql`select 1 from ${this.#table} where ${where}${other}`.execute(db)).rows.length > 0
    const taken: UniqueField[] = []
    if (
      wanted.username !== undefined &&
      (await exists(sql`${this.#column('username')} = ${wanted.username}`))
    ) {
      taken.push('username')
    }
    if (
      wanted.email !== undefined &&
      this.#columns.email !== undefined &&
      (await exists(sql`lower(${this.#column('email')}) = lower(${wanted.email})`))
    ) {
      taken.push('email')
    }
    return taken
  }

  /**
   * A unique violation that slipped past the up-front check (a concurrent writer), named by a
   * fresh check since the app's constraint names are its own.
   */
  async #rethrowUnique(
    error: unknown,
    wanted: { username?: string; email?: string },
    exceptId: number | null,
  ): Promise<never> {
    if (!isUniqueViolation(error)) throw error
    const taken = await this.#taken(this.#db, wanted, exceptId)
    throw taken.length > 0 ? new UniqueViolation(taken) : error
  }

  /** The field's column, or a field error when the table has none and the value is not the fixed one. */
  #writable(field: Field, value: unknown, fixed: unknown): string | undefined {
    const column = this.#columns[field]
    if (column === undefined && value !== undefined && value !== fixed) {
      throw new ValidationFailed({ [field]: ['This field cannot be stored in the users table.'] })
    }
    return column
  }

  /** The columns and values a create or update writes (fields left undefined are skipped). */
  #values(
    user: UserPatch & { username?: string; dateJoined?: Date; id?: number },
  ): [RawBuilder<unknown>, unknown][] {
    const values: [RawBuilder<unknown>, unknown][] = []
    const put = (field: Field, value: unknown, fixed: unknown, encode: (v: never) => unknown = (v) => v) => {
      const column = this.#writable(field, value, fixed)
      if (column !== undefined && value !== undefined) values.push([sql.id(column), encode(value as never)])
    }
    put('id', user.id, undefined)
    put('username', user.username, undefined)
    put('password', user.passwordHash, undefined, (v: string) => this.#toStoredHash(v))
    put('email', user.email, '')
    put('firstName', user.firstName, '')
    put('lastName', user.lastName, '')
    put('isActive', user.isActive, true, (v: boolean) => (v ? 1 : 0))
    put('isStaff', user.isStaff, false, (v: boolean) => (v ? 1 : 0))
    put('isSuperuser', user.isSuperuser, false, (v: boolean) => (v ? 1 : 0))
    // Times are dropped when the table has no column for them: a login or a create must not fail for it.
    if (this.#columns.dateJoined !== undefined && user.dateJoined !== undefined) {
      values.push([this.#column('dateJoined'), this.#toTime(user.dateJoined)])
    }
    if (this.#columns.lastLogin !== undefined && user.lastLogin !== undefined) {
      values.push([this.#column('lastLogin'), this.#toTime(user.lastLogin)])
    }
    return values
  }

  async create(user: NewUser): Promise<UserRecord> {
    const values = this.#values({
      ...user,
      isActive: user.isActive ?? true,
      isStaff: user.isStaff ?? false,
      isSuperuser: user.isSuperuser ?? false,
      dateJoined: user.dateJoined ?? new Date(),
      lastLogin: user.lastLogin ?? null,
      firstName: user.firstName ?? '',
      lastName: user.lastName ?? '',
    })
    try {
      return await this.#database.writers.transaction(async (tx) => {
        const taken = await this.#taken(tx, user, null)
        if (taken.length > 0) throw new UniqueViolation(taken)
        const { rows } = await sql<Row>`insert into ${this.#table}
          (${sql.join(values.map(([column]) => column))})
          values (${sql.join(values.map(([, value]) => sql`${value}`))})
          returning ${this.#select}`.execute(tx)
        const row = rows[0]
        if (row === undefined) throw new Error('insert returned no row')
        if (user.id !== undefined && this.#database.dialect === 'postgres') {
          // An explicit id does not advance the id's sequence (if it has one): move it past the largest.
          await sql`select setval(seq, (select greatest(max(${this.#column('id')}), 1) from ${this.#table}))
            from (select pg_get_serial_sequence(${this.#tableText}, ${this.#columns.id}) as seq) s
            where seq is not null`.execute(tx)
        }
        return this.#record(row)
      })
    } catch (error) {
      if (error instanceof UniqueViolation) throw error
      return this.#rethrowUnique(error, user, null)
    }
  }

  async update(id: number, patch: UserPatch): Promise<UserRecord | undefined> {
    const values = this.#values(patch)
    if (values.length === 0) return this.findById(id)
    try {
      return await this.#database.writers.transaction(async (tx) => {
        if (patch.email !== undefined) {
          const taken = await this.#taken(tx, { email: patch.email }, id)
          if (taken.length > 0) throw new UniqueViolation(taken)
        }
        const { rows } = await sql<Row>`update ${this.#table}
          set ${sql.join(values.map(([column, value]) => sql`${column} = ${value}`))}
          where ${this.#column('id')} = ${id}
          returning ${this.#select}`.execute(tx)
        const row = rows[0]
        return row && this.#record(row)
      })
    } catch (error) {
      if (error instanceof UniqueViolation) throw error
      return this.#rethrowUnique(error, { ...(patch.email === undefined ? {} : { email: patch.email }) }, id)
    }
  }

  /** Deletes the app's row, and what Tessera keeps for the user: memberships and refresh tokens. */
  async delete(id: number): Promise<boolean> {
    return this.#database.writers.transaction(async (tx) => {
      const result = await sql`delete from ${this.#table} where ${this.#column('id')} = ${id}`.execute(tx)
      if (toNumber(result.numAffectedRows ?? 0n) === 0) return false
      await tx.deleteFrom('app_user_groups').where('user_id', '=', id).execute()
      await tx.deleteFrom('outstanding_tokens').where('user_id', '=', id).execute()
      return true
    })
  }

  async groupNames(userId: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('app_user_groups')
      .innerJoin('groups', 'groups.id', 'app_user_groups.group_id')
      .select('groups.name')
      .where('app_user_groups.user_id', '=', userId)
      .execute()
    // Sorted here, not in SQL: collations differ between the dialects, code-unit order does not.
    return rows.map((row) => row.name).sort()
  }

  async findWithGroups(id: number): Promise<UserWithGroups | undefined> {
    const user = await this.findById(id)
    return user && { user, groups: await this.groupNames(id) }
  }

  /** @throws UserNotFound for an unknown user. */
  async setGroups(userId: number, names: readonly string[]): Promise<void> {
    await this.#database.writers.transaction(async (tx) => {
      const user = await sql`select 1 from ${this.#table} where ${this.#column('id')} = ${userId}`.execute(tx)
      if (user.rows.length === 0) throw new UserNotFound()
      await replaceGroupMemberships(tx, 'app_user_groups', userId, names)
    })
  }

  async count(): Promise<number> {
    const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${this.#table}`.execute(
      this.#db,
    )
    return toNumber(rows[0]?.n ?? 0)
  }
}

/** A unique-constraint violation on either dialect, whatever the constraint's name. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}
