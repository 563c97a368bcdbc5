/**
 * `AdminStore` on Tessera's own tables: the admin API's lists (search, filters, order, slices) and
 * the few changes no other port makes (group rename and delete, client secret and delete).
 */
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import type {
  AdminStore,
  AdminUserRow,
  ApiClientRecord,
  AuditQuery,
  ClientOrderField,
  Counted,
  GroupQuery,
  GroupSummary,
  OrderTerm,
  Slice,
  StoredAuditEvent,
  TokenListing,
  TokenQuery,
  UserQuery,
} from '../ports.js'
import type { SqlAuditStore } from './audit.js'
import { fromMillis, fromMillisOrNull, toFlag, toMillis, toNumber } from './columns.js'
import type { SqlDatabase } from './connect.js'
import type { Writers } from './group-commit.js'
import type { Database } from './schema.js'
import { toUser } from './users.js'

/** `%`, `_` and the escape character itself, escaped for `LIKE … ESCAPE '\'`. */
const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`

/** Case-insensitive "contains" on both dialects: `lower()` on both sides, the same function. */
const contains = (column: string, text: string): Expression<SqlBool> =>
  sql<SqlBool>`lower(${sql.ref(column)}) like lower(${likePattern(text)}) escape '\\'`

/** DRF's `SearchFilter.get_search_terms`: terms split on spaces and commas, each of which must match. */
const searchTerms = (search: string | undefined): string[] =>
  (search ?? '').split(/[\s,]+/).filter((term) => term !== '')

/**
 * The ORDER BY terms of a slice: each field through `columns` (a field not in it is never written
 * into SQL), then `tieBreak` so that pages never overlap or skip rows.
 */
function orderTerms<F extends string>(
  ordering: readonly OrderTerm<F>[],
  columns: Readonly<Record<F, string>>,
  tieBreak: string,
): [string, 'asc' | 'desc'][] {
  const terms: [string, 'asc' | 'desc'][] = []
  for (const term of ordering) {
    const column = columns[term.field]
    if (column !== undefined) terms.push([column, term.descending ? 'desc' : 'asc'])
  }
  if (!terms.some(([column]) => column === tieBreak)) terms.push([tieBreak, 'asc'])
  return terms
}

/**
 * The user has a second factor that completes a login: a confirmed TOTP secret (a pending one is
 * not in force) or a passkey, as `SecondFactors.methods` counts them. Recovery codes only back
 * those up, and are removed with them.
 */
const hasSecondFactor = (eb: ExpressionBuilder<Database, 'users'>): Expression<SqlBool> =>
  eb.or([
    eb.exists(
      eb
        .selectFrom('mfa_totp')
        .select(sql<number>`1`.as('one'))
        .whereRef('mfa_totp.user_id', '=', 'users.id')
        .where('mfa_totp.confirmed_at', 'is not', null),
    ),
    eb.exists(
      eb
        .selectFrom('webauthn_credentials')
        .select(sql<number>`1`.as('one'))
        .whereRef('webauthn_credentials.user_id', '=', 'users.id'),
    ),
  ])

const count = (row: { n: number | bigint | string } | undefined): number => toNumber(row?.n ?? 0)

export class SqlAdminStore implements AdminStore {
  readonly #db: Kysely<Database>
  readonly #writers: Writers

  constructor(
    database: SqlDatabase,
    private readonly audit: Pick<SqlAuditStore, 'drain'>,
  ) {
    this.#db = database.db
    this.#writers = database.writers
  }

  async listUsers(query: UserQuery): Promise<Counted<AdminUserRow>> {
    const filtered = this.#db.selectFrom('users').$call((q) => {
      let next = q
      for (const term of searchTerms(query.search)) {
        next = next.where((eb) => eb.or([contains('users.username', term), contains('users.email', term)]))
      }
      if (query.isActive !== undefined) next = next.where('users.is_active', '=', toFlag(query.isActive))
      if (query.isStaff !== undefined) next = next.where('users.is_staff', '=', toFlag(query.isStaff))
      if (query.isSuperuser !== undefined)
        next = next.where('users.is_superuser', '=', toFlag(query.isSuperuser))
      if (query.emailVerified !== undefined)
        next = next.where('users.email_verified', '=', toFlag(query.emailVerified))
      const { hasMfa } = query
      if (hasMfa !== undefined)
        next = next.where((eb) => (hasMfa ? hasSecondFactor(eb) : eb.not(hasSecondFactor(eb))))
      return next
    })
    const total = await filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    let rows = filtered.selectAll('users')
    const columns = {
      id: 'users.id',
      username: 'users.username',
      email: 'users.email',
      date_joined: 'users.date_joined',
      last_login: 'users.last_login',
    } as const
    for (const [column, direction] of orderTerms(query.ordering, columns, 'users.id')) {
      rows = rows.orderBy(sql.ref(column), direction)
    }
    const users = (await rows.limit(query.limit).offset(query.offset).execute()).map(toUser)
    const ids = users.map((user) => user.id)
    const [groups, withMfa] = await Promise.all([this.#groupsOf(ids), this.usersWithMfa(ids)])
    return {
      count: count(total),
      rows: users.map((user) => ({ user, groups: groups.get(user.id) ?? [], hasMfa: withMfa.has(user.id) })),
    }
  }

  async usersWithMfa(userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set()
    const rows = await this.#db
      .selectFrom('users')
      .select('users.id')
      .where('users.id', 'in', [...userIds])
      .where(hasSecondFactor)
      .execute()
    return new Set(rows.map((row) => toNumber(row.id)))
  }

  /** Each user's group names, sorted in code-unit order (collations differ between dialects). */
  async #groupsOf(userIds: readonly number[]): Promise<Map<number, string[]>> {
    const byUser = new Map<number, string[]>()
    if (userIds.length === 0) return byUser
    const rows = await this.#db
      .selectFrom('user_groups')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .select(['user_groups.user_id as userId', 'groups.name as name'])
      .where('user_groups.user_id', 'in', [...userIds])
      .execute()
    for (const row of rows) {
      const id = toNumber(row.userId)
      byUser.set(id, [...(byUser.get(id) ?? []), row.name])
    }
    for (const names of byUser.values()) names.sort()
    return byUser
  }

  async listGroups(query: GroupQuery): Promise<Counted<GroupSummary>> {
    let filtered = this.#db.selectFrom('groups')
    for (const term of searchTerms(query.search)) filtered = filtered.where(contains('groups.name', term))
    const total = await filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    let rows = filtered.select(['groups.id', 'groups.name', this.#memberCount()])
    for (const [column, direction] of orderTerms(
      query.ordering,
      { id: 'groups.id', name: 'groups.name' },
      'groups.id',
    )) {
      rows = rows.orderBy(sql.ref(column), direction)
    }
    const found = await rows.limit(query.limit).offset(query.offset).execute()
    return { count: count(total), rows: found.map(toGroup) }
  }

  #memberCount() {
    return sql<number>`(select count(*) from user_groups ug where ug.group_id = groups.id)`.as('member_count')
  }

  async findGroup(id: number): Promise<GroupSummary | undefined> {
    const row = await this.#db
      .selectFrom('groups')
      .select(['groups.id', 'groups.name', this.#memberCount()])
      .where('groups.id', '=', id)
      .executeTakeFirst()
    return row && toGroup(row)
  }

  async existingGroups(names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return []
    const rows = await this.#db
      .selectFrom('groups')
      .select('name')
      .where('name', 'in', [...names])
      .execute()
    return rows.map((row) => row.name)
  }

  async groupMembers(groupId: number): Promise<{ id: number; username: string }[]> {
    const rows = await this.#db
      .selectFrom('user_groups')
      .innerJoin('users', 'users.id', 'user_groups.user_id')
      .select(['users.id', 'users.username'])
      .where('user_groups.group_id', '=', groupId)
      .orderBy('users.id')
      .execute()
    return rows.map((row) => ({ id: toNumber(row.id), username: row.username }))
  }

  async createGroup(name: string): Promise<GroupSummary | undefined> {
    const row = await this.#writers.write((db) =>
      db
        .insertInto('groups')
        .values({ name })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .returning(['id', 'name'])
        .executeTakeFirst(),
    )
    return row && { id: toNumber(row.id), name: row.name, memberCount: 0 }
  }

  async renameGroup(id: number, name: string): Promise<'renamed' | 'missing' | 'taken'> {
    return this.#writers.transaction(async (tx) => {
      const group = await tx.selectFrom('groups').select('name').where('id', '=', id).executeTakeFirst()
      if (group === undefined) return 'missing'
      if (group.name === name) return 'renamed'
      const other = await tx.selectFrom('groups').select('id').where('name', '=', name).executeTakeFirst()
      if (other !== undefined) return 'taken'
      await tx.updateTable('groups').set({ name }).where('id', '=', id).execute()
      return 'renamed'
    })
  }

  async deleteGroup(id: number): Promise<boolean> {
    return this.#writers.transaction(async (tx) => {
      // Memberships first: SQLite enforces the cascade only with foreign keys switched on.
      await tx.deleteFrom('user_groups').where('group_id', '=', id).execute()
      await tx.deleteFrom('app_user_groups').where('group_id', '=', id).execute()
      const result = await tx.deleteFrom('groups').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }

  /** Tokens with their blacklisting and their user's name, in one statement (no query per row). */
  #tokens() {
    return this.#db
      .selectFrom('outstanding_tokens')
      .leftJoin('blacklisted_tokens', 'blacklisted_tokens.jti', 'outstanding_tokens.jti')
      .leftJoin('users', 'users.id', 'outstanding_tokens.user_id')
  }

  async listTokens(query: TokenQuery): Promise<Counted<TokenListing>> {
    const filtered = this.#tokens()
      .$if(query.userId !== undefined, (q) => q.where('outstanding_tokens.user_id', '=', query.userId ?? 0))
      .$if(query.blacklisted !== undefined, (q) =>
        q.where('blacklisted_tokens.jti', query.blacklisted === true ? 'is not' : 'is', null),
      )
    const total = await filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    let rows = filtered
      .selectAll('outstanding_tokens')
      .select(['blacklisted_tokens.blacklisted_at', 'users.username'])
    for (const [column, direction] of orderTerms(
      query.ordering,
      { created_at: 'outstanding_tokens.created_at', expires_at: 'outstanding_tokens.expires_at' },
      'outstanding_tokens.jti',
    )) {
      rows = rows.orderBy(sql.ref(column), direction)
    }
    const found = await rows.limit(query.limit).offset(query.offset).execute()
    return { count: count(total), rows: found.map(toTokenListing) }
  }

  async findToken(jti: string): Promise<TokenListing | undefined> {
    const row = await this.#tokens()
      .selectAll('outstanding_tokens')
      .select(['blacklisted_tokens.blacklisted_at', 'users.username'])
      .where('outstanding_tokens.jti', '=', jti)
      .executeTakeFirst()
    return row && toTokenListing(row)
  }

  async listAudit(query: AuditQuery): Promise<Counted<StoredAuditEvent>> {
    // Events already recorded are listed, even those still queued for the batch insert.
    await this.audit.drain()
    const filtered = this.#db
      .selectFrom('audit_events')
      .$if(query.userId !== undefined, (q) => q.where('audit_events.user_id', '=', query.userId ?? 0))
      .$if(query.event !== undefined, (q) => q.where('audit_events.event', '=', query.event ?? ''))
      .$if(query.ip !== undefined, (q) => q.where('audit_events.ip', '=', query.ip ?? ''))
      .$if(query.since !== undefined, (q) =>
        q.where('audit_events.at', '>=', toMillis(query.since ?? new Date(0))),
      )
      .$if(query.until !== undefined, (q) =>
        q.where('audit_events.at', '<', toMillis(query.until ?? new Date(0))),
      )
    const total = await filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    // The user's name in the same statement; the trail outlives users, so a left join.
    let rows = filtered
      .leftJoin('users', 'users.id', 'audit_events.user_id')
      .selectAll('audit_events')
      .select('users.username')
    for (const [column, direction] of orderTerms(
      query.ordering,
      { at: 'audit_events.at', id: 'audit_events.id' },
      'audit_events.id',
    )) {
      rows = rows.orderBy(sql.ref(column), direction)
    }
    const found = await rows.limit(query.limit).offset(query.offset).execute()
    return {
      count: count(total),
      rows: found.map((row) => ({
        id: toNumber(row.id),
        at: fromMillis(row.at),
        event: row.event,
        userId: row.user_id === null ? null : toNumber(row.user_id),
        username: row.username,
        ip: row.ip,
        userAgent: row.user_agent,
        detail: JSON.parse(row.detail) as Record<string, unknown>,
      })),
    }
  }

  async listClients(query: Slice<ClientOrderField>): Promise<Counted<Omit<ApiClientRecord, 'secretHash'>>> {
    const total = await this.#db
      .selectFrom('api_clients')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst()
    let rows = this.#db.selectFrom('api_clients').select(['client_id', 'name', 'created_at'])
    for (const [column, direction] of orderTerms(
      query.ordering,
      { name: 'api_clients.name', created_at: 'api_clients.created_at' },
      'api_clients.client_id',
    )) {
      rows = rows.orderBy(sql.ref(column), direction)
    }
    const found = await rows.limit(query.limit).offset(query.offset).execute()
    return {
      count: count(total),
      rows: found.map((row) => ({
        clientId: row.client_id,
        name: row.name,
        createdAt: fromMillis(row.created_at),
      })),
    }
  }

  async replaceClientSecret(clientId: string, secretHash: string): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db
        .updateTable('api_clients')
        .set({ secret_hash: secretHash })
        .where('client_id', '=', clientId)
        .executeTakeFirst(),
    )
    return result.numUpdatedRows > 0n
  }

  async deleteClient(clientId: string): Promise<boolean> {
    const result = await this.#writers.write((db) =>
      db.deleteFrom('api_clients').where('client_id', '=', clientId).executeTakeFirst(),
    )
    return result.numDeletedRows > 0n
  }
}

function toGroup(row: { id: number; name: string; member_count: number | string | bigint }): GroupSummary {
  return { id: toNumber(row.id), name: row.name, memberCount: toNumber(row.member_count) }
}

function toTokenListing(row: {
  jti: string
  user_id: number
  family_id: string
  parent_jti: string | null
  created_at: number
  expires_at: number
  user_agent: string | null
  ip: string | null
  blacklisted_at: number | null
  username: string | null
}): TokenListing {
  return {
    jti: row.jti,
    userId: toNumber(row.user_id),
    familyId: row.family_id,
    parentJti: row.parent_jti,
    createdAt: fromMillis(row.created_at),
    expiresAt: fromMillis(row.expires_at),
    userAgent: row.user_agent,
    ip: row.ip,
    blacklistedAt: fromMillisOrNull(row.blacklisted_at),
    username: row.username,
  }
}
