/**
 * SQLite group commit: works asked for together share one COMMIT, yet each keeps what its own
 * transaction would give it (isolation by savepoint, its own error, settled after the COMMIT).
 */
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, sql, SqliteDialect } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { groupCommit, type Writers } from '../../src/store/sql/group-commit.js'
import type { Database } from '../../src/store/sql/schema.js'

interface Harness {
  db: Kysely<Database>
  writers: Writers
  commits: () => number
  names: () => Promise<string[]>
}

function harness(): Harness {
  const connection = new BetterSqlite3(':memory:')
  connection.pragma('foreign_keys = ON')
  connection.exec(`
    create table parent (id integer primary key);
    create table item (name text primary key, parent_id integer references parent(id) deferrable initially deferred);
    insert into parent (id) values (1);
  `)
  let commits = 0
  // Counts the COMMITs Kysely sends, by watching the statements it prepares and runs.
  const counting = new Proxy(connection, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (property !== 'prepare') return typeof value === 'function' ? value.bind(target) : value
      return (text: string) => {
        const statement = target.prepare(text)
        if (!/^\s*commit\b/i.test(text)) return statement
        return new Proxy(statement, {
          get(inner, name) {
            const member = Reflect.get(inner, name, inner)
            if (name !== 'run' && name !== 'all')
              return typeof member === 'function' ? member.bind(inner) : member
            return (...args: unknown[]) => {
              const result = (member as (...a: unknown[]) => unknown).apply(inner, args)
              commits++
              return result
            }
          },
        })
      }
    },
  })
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: counting }) })
  return {
    db,
    writers: groupCommit(db),
    commits: () => commits,
    names: async () => {
      const { rows } = await sql<{ name: string }>`select name from item order by name`.execute(db)
      return rows.map((row) => row.name)
    },
  }
}

const insert = (name: string, parent = 1) =>
  sql`insert into item (name, parent_id) values (${name}, ${parent})`

describe('SQLite group commit', () => {
  let h: Harness
  beforeEach(() => {
    h = harness()
  })
  afterEach(async () => {
    await h.db.destroy()
  })

  it('commits the transactions asked for in one turn with one COMMIT', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, '0')}`)
    const results = await Promise.all(
      names.map((name) =>
        h.writers.transaction(async (tx) => {
          await insert(name).execute(tx)
          return name.toUpperCase()
        }),
      ),
    )
    expect(results).toEqual(names.map((name) => name.toUpperCase()))
    expect(h.commits()).toBe(1)
    expect(await h.names()).toEqual(names)
  })

  it('lets each work see the works before it in its group', async () => {
    const seen: number[] = []
    await Promise.all(
      [1, 2, 3].map((i) =>
        h.writers.transaction(async (tx) => {
          await insert(`s${i}`).execute(tx)
          const { rows } = await sql<{ n: number }>`select count(*) as n from item`.execute(tx)
          seen.push(Number(rows[0]?.n))
        }),
      ),
    )
    expect(seen).toEqual([1, 2, 3])
  })

  it('undoes only the failing work, gives it its own error, and keeps the others', async () => {
    const boom = new Error('boom')
    const outcomes = await Promise.allSettled([
      h.writers.transaction((tx) => insert('before').execute(tx)),
      h.writers.transaction(async (tx) => {
        await insert('failing').execute(tx)
        throw boom
      }),
      // A statement error (duplicate key) is undone the same way.
      h.writers.transaction(async (tx) => {
        await insert('dup').execute(tx)
        await insert('dup').execute(tx)
      }),
      h.writers.write((db) => insert('after').execute(db)),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ])
    expect((outcomes[1] as PromiseRejectedResult).reason).toBe(boom)
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/)
    expect(await h.names()).toEqual(['after', 'before'])
    expect(h.commits()).toBe(1)
  })

  it('settles each caller only after the COMMIT', async () => {
    const commitsWhenSettled: number[] = []
    await Promise.all(
      ['a', 'b'].map((name) =>
        h.writers
          .transaction((tx) => insert(name).execute(tx))
          .then(() => commitsWhenSettled.push(h.commits())),
      ),
    )
    expect(commitsWhenSettled).toEqual([1, 1])
  })

  it('fails every caller of a group whose COMMIT fails, and keeps nothing of it', async () => {
    // The foreign key is checked at COMMIT: one work's bad row makes the whole COMMIT fail.
    const outcomes = await Promise.allSettled([
      h.writers.transaction((tx) => insert('good').execute(tx)),
      h.writers.transaction((tx) => insert('orphan', 99).execute(tx)),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/)
    expect(await h.names()).toEqual([])
    // The connection is usable again afterwards.
    await h.writers.write((db) => insert('later').execute(db))
    expect(await h.names()).toEqual(['later'])
  })

  it('runs works that arrive while a group commits in a later group', async () => {
    let started!: () => void
    let release!: () => void
    const firstStarted = new Promise<void>((resolve) => {
      started = resolve
    })
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const first = h.writers.transaction(async (tx) => {
      await insert('first').execute(tx)
      started()
      await gate
    })
    await firstStarted
    // Asked for while the first group is under way: it waits for the next group.
    const second = h.writers.transaction((tx) => insert('second').execute(tx))
    const third = h.writers.transaction((tx) => insert('third').execute(tx))
    release()
    await Promise.all([first, second, third])
    expect(await h.names()).toEqual(['first', 'second', 'third'])
    expect(h.commits()).toBe(2)
  })
})
