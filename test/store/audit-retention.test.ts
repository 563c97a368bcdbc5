/**
 * Audit retention (issue 17, item 12): events older than the cut-off are deleted in batches, on
 * both backends, and nothing newer is touched.
 */
import { CompiledQuery, sql } from 'kysely'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SqlStores } from '../../src/store/sql/index.js'
import { BACKENDS, openMigrated, type TestStores } from './backends.js'

const DAY = 86_400_000
const NOW = Date.UTC(2030, 5, 1, 12, 0, 0, 500)

for (const backend of BACKENDS) {
  describe(`audit retention (${backend})`, () => {
    let opened: TestStores
    let stores: SqlStores
    beforeEach(async () => {
      opened = await openMigrated(backend)
      stores = opened.stores
    })
    afterEach(async () => opened.dispose())

    const write = (ageMs: number, event: string) =>
      stores.audit.write({
        at: new Date(NOW - ageMs),
        event,
        userId: null,
        ip: null,
        userAgent: null,
        detail: {},
      })

    it('deletes the events older than the cut-off in batches, and only those', async () => {
      for (let i = 0; i < 7; i++) await write(91 * DAY + i, `old${i}`)
      await write(90 * DAY, 'at-cutoff')
      await write(DAY, 'recent')
      await write(0, 'now')
      const cutoff = new Date(NOW - 90 * DAY)
      expect(await stores.audit.flushOlderThan(cutoff, 3)).toBe(7)
      expect((await stores.audit.recent(100)).map((event) => event.event)).toEqual([
        'now',
        'recent',
        'at-cutoff',
      ])
      expect(await stores.audit.flushOlderThan(cutoff, 3)).toBe(0)
    })

    it('refuses a batch size that is not a positive integer', async () => {
      await expect(stores.audit.flushOlderThan(new Date(NOW), 0)).rejects.toThrow(RangeError)
    })
  })
}

describe('audit retention on PostgreSQL, query plan', () => {
  it('finds the old rows through the at index and deletes them by key', async () => {
    const opened = await openMigrated('postgres')
    const { db } = opened.stores
    const recorded: { text: string; values: unknown[] }[] = []
    const originalQuery = pg.Client.prototype.query
    try {
      // Enough rows that a sequential scan would be the planner's choice if no index fitted.
      await sql`insert into audit_events (at, event, detail)
        select ${NOW}::bigint - g * 1000, 'e', '{}' from generate_series(1, 50000) g`.execute(db)
      await sql`analyze audit_events`.execute(db)
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [first, second] = args
        if (typeof first === 'string')
          recorded.push({ text: first, values: Array.isArray(second) ? second : [] })
        return (originalQuery as (...inner: unknown[]) => unknown).apply(this, args)
      } as typeof pg.Client.prototype.query
      expect(await opened.stores.audit.flushOlderThan(new Date(NOW - 49_990_000), 100)).toBe(10)
      pg.Client.prototype.query = originalQuery
      const deletes = recorded.filter(({ text }) => /^\s*delete\b/i.test(text))
      expect(deletes.length).toBeGreaterThan(0)
      for (const { text, values } of deletes) {
        const { rows } = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
          CompiledQuery.raw(`explain (format json) ${text}`, values),
        )
        const plan = JSON.stringify(rows[0]?.['QUERY PLAN'])
        expect(plan).not.toMatch(/"Node Type":"Seq Scan"[^}]*?"Relation Name":"audit_events"/)
      }
    } finally {
      pg.Client.prototype.query = originalQuery
      await opened.dispose()
    }
  }, 60_000)
})
