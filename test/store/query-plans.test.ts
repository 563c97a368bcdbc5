/**
 * Issue 6: every query on the hot and token paths uses an index on PostgreSQL. The test records
 * the SQL the stores send during a realistic flow, then asks PostgreSQL to EXPLAIN each statement
 * (with its parameters) over tables holding enough rows for the planner to care, and fails on any
 * sequential scan of a Tessera table.
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest, openStores, type SqlStores, type SqlUserStore } from '../../src/store/sql/index.js'
import { freshPgSchema } from '../helpers/server.js'

const TABLES = [
  'users',
  'groups',
  'user_groups',
  'outstanding_tokens',
  'blacklisted_tokens',
  'user_cutoffs',
  'api_clients',
]

interface Recorded {
  text: string
  values: unknown[]
}

describe('query plans on PostgreSQL', () => {
  let schema: Awaited<ReturnType<typeof freshPgSchema>>
  let stores: SqlStores<SqlUserStore>
  const recorded: Recorded[] = []
  const originalQuery = pg.Client.prototype.query

  beforeAll(async () => {
    schema = await freshPgSchema()
    stores = await openStores(schema.url, { poolSize: 2 })
    await migrateToLatest(stores.db)
    // Enough rows that a sequential scan would be the planner's choice if no index fitted.
    const client = new pg.Client(schema.url)
    await client.connect()
    const now = Date.now()
    await client.query(`insert into users (username, email, password_hash, first_name, last_name, is_active, is_staff, is_superuser, date_joined)
      select 'user' || g, 'user' || g || '@example.com', '!', '', '', true, false, false, ${now} from generate_series(1, 20000) g`)
    await client.query(`insert into outstanding_tokens (jti, user_id, family_id, created_at, expires_at)
      select md5('o' || g), 1 + (g % 20000), md5('f' || (g / 3)), ${now}, ${now} + (g % 1000) * 1000 from generate_series(1, 60000) g`)
    await client.query(`insert into blacklisted_tokens (jti, blacklisted_at, expires_at)
      select md5('o' || g), ${now}, ${now} + g from generate_series(1, 60000, 2) g`)
    await client.query(`insert into groups (name) select 'group' || g from generate_series(1, 2000) g`)
    await client.query(
      `insert into user_groups (user_id, group_id) select g, 1 + (g % 2000) from generate_series(1, 20000) g`,
    )
    await client.query(
      `insert into user_cutoffs (user_id, not_before, seq) select g, 1, g from generate_series(1, 20000) g`,
    )
    for (const table of TABLES) await client.query(`analyze ${table}`)
    await client.end()

    // Record every statement the stores send from here on.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first, second] = args as [unknown, unknown]
      if (typeof first === 'object' && first !== null && 'text' in first) {
        const config = first as { text: string; values?: unknown[] }
        recorded.push({ text: config.text, values: config.values ?? [] })
      } else if (typeof first === 'string') {
        recorded.push({ text: first, values: Array.isArray(second) ? second : [] })
      }
      return (originalQuery as (...inner: unknown[]) => unknown).apply(this, args)
    } as typeof pg.Client.prototype.query
  }, 60_000)

  afterAll(async () => {
    pg.Client.prototype.query = originalQuery
    await stores?.lifecycle.close()
    await schema?.drop()
  })

  it('uses an index for every read, update and delete of the token and user paths', async () => {
    const now = new Date()
    const user = await stores.users.create({
      username: 'planner',
      email: 'planner@example.com',
      passwordHash: '!',
    })
    await stores.users.setGroups(user.id, ['staff'])
    const token = (jti: string, parentJti: string | null = null) => ({
      jti,
      userId: user.id,
      familyId: 'a'.repeat(32),
      parentJti,
      createdAt: now,
      expiresAt: new Date(now.getTime() + 86_400_000),
      userAgent: 'test',
      ip: '127.0.0.1',
    })
    // The hot and token paths, as the server runs them.
    await stores.users.findById(user.id)
    await stores.users.findByUsername('planner')
    await stores.users.findByUsernameKey('ＰＬＡＮＮＥＲ')
    await stores.users.findByEmail('PLANNER@example.com')
    await stores.users.groupNames(user.id)
    await stores.users.findWithGroups(user.id)
    await stores.ledger.recordIssued(token('1'.repeat(32)))
    await stores.ledger.isBlacklisted('1'.repeat(32))
    await stores.ledger.rotate(token('1'.repeat(32)), token('2'.repeat(32), '1'.repeat(32)), now, true)
    await stores.ledger.rotate(token('1'.repeat(32)), token('3'.repeat(32), '1'.repeat(32)), now, true)
    await stores.ledger.blacklist(token('2'.repeat(32)), now, now)
    await stores.ledger.liveSessions(user.id, now)
    await stores.ledger.revokeFamily('a'.repeat(32), now, now)
    await stores.ledger.revokeUser(user.id, now, now)
    await stores.revocations.setCutoff(user.id, Math.floor(now.getTime() / 1000))
    await stores.revocations.cutoffsSince(19_990)
    await stores.ledger.flushExpired(new Date(now.getTime() + 500_000), 100)
    await stores.users.update(user.id, { lastLogin: now })

    const statements = recorded.filter(
      ({ text }) =>
        /^\s*(select|update|delete)\b/i.test(text) && !/pg_|information_schema|kysely_migration/i.test(text),
    )
    expect(statements.length).toBeGreaterThan(12)
    pg.Client.prototype.query = originalQuery
    const client = new pg.Client(schema.url)
    await client.connect()
    const offenders: string[] = []
    try {
      for (const { text, values } of statements) {
        // Plans only: explain never runs the statement.
        const { rows } = await client.query(`explain (format json) ${text}`, values)
        const plan = JSON.stringify(rows[0]['QUERY PLAN'])
        for (const match of plan.matchAll(/"Node Type":"Seq Scan"[^}]*?"Relation Name":"(\w+)"/g)) {
          if (TABLES.includes(match[1] ?? '')) offenders.push(`${match[1]}: ${text.slice(0, 160)}`)
        }
      }
    } finally {
      await client.end()
    }
    expect(offenders).toEqual([])
  }, 60_000)
})
