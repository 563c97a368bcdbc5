/**
 * Issue 17, item 16: `users import-django` is one transaction with a clear report. An id already
 * taken is skipped and named, never a raw driver error half-way; usernames with control characters
 * are refused; an unexpected failure imports nobody.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openStores } from '../../src/store/sql/index.js'
import { runCommand } from '../helpers/cli.js'
import { PG_URL, randomSchemaName } from '../store/backends.js'
import pg from 'pg'

const dirs: string[] = []
const schemas: string[] = []
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  const client = new pg.Client(PG_URL)
  await client.connect()
  for (const schema of schemas) await client.query(`drop schema if exists ${schema} cascade`)
  await client.end()
})

const user = (pk: number, username: string, extra: Record<string, unknown> = {}) => ({
  model: 'auth.user',
  pk,
  fields: { username, email: `${pk}@example.com`, password: '!', ...extra },
})

function dumpFile(records: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'))
  dirs.push(dir)
  const file = join(dir, 'dump.json')
  writeFileSync(file, JSON.stringify(records))
  return file
}

describe('users import-django', () => {
  it('skips and names an id collision and control-character usernames, importing the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-import-db-'))
    dirs.push(dir)
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}` }
    expect((await runCommand(env, 'migrate')).code).toBe(0)
    const first = await runCommand(env, 'users', 'import-django', dumpFile([user(5, 'bob')]))
    expect(first.code).toBe(0)

    const file = dumpFile([
      user(4, 'carol'),
      user(5, 'dave'),
      user(6, 'eve\u0000admin'),
      user(7, 'mallory\u202eadmin'),
      user(8, 'frank', { groups: [['editors']] }),
    ])
    const result = await runCommand(env, 'users', 'import-django', file)
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    expect(result.out).toContain('Imported 2 user(s).')
    expect(result.out).toContain("dave (id 5 is 'bob', email already taken)")
    expect(result.out).toContain('"eve\\u0000admin" (pk 6: control characters or empty)')
    expect(result.out).toContain('"mallory\\u202eadmin" (pk 7: control characters or empty)')
    const stores = await openStores(env.TESSERA_DATABASE_URL)
    try {
      expect((await stores.users.findById(5))?.username).toBe('bob')
      expect(await stores.users.findById(4)).toMatchObject({ username: 'carol' })
      expect(await stores.users.groupNames(8)).toEqual(['editors'])
      expect(await stores.users.findById(6)).toBeUndefined()
    } finally {
      await stores.lifecycle.close()
    }
  })

  it('keeps the verified state the dump gives: a custom email_verified field or a verified allauth address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-import-db-'))
    dirs.push(dir)
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}` }
    expect((await runCommand(env, 'migrate')).code).toBe(0)
    const file = dumpFile([
      user(11, 'ann', { email_verified: true }),
      user(12, 'ben'),
      user(13, 'cat'),
      user(14, 'dan'),
      // allauth: ben's own address verified; cat's verified address is another one; dan's unverified.
      { model: 'account.emailaddress', pk: 1, fields: { user: 12, email: '12@EXAMPLE.com', verified: true } },
      {
        model: 'account.emailaddress',
        pk: 2,
        fields: { user: 13, email: 'other@example.com', verified: true },
      },
      {
        model: 'account.emailaddress',
        pk: 3,
        fields: { user: 14, email: '14@example.com', verified: false },
      },
    ])
    const result = await runCommand(env, 'users', 'import-django', file)
    expect(result.code, result.err).toBe(0)
    expect(result.out).toContain('Imported 4 user(s).')
    const stores = await openStores(env.TESSERA_DATABASE_URL)
    try {
      const verified = async (id: number) => (await stores.users.findById(id))?.emailVerified
      expect(await verified(11)).toBe(true)
      expect(await verified(12)).toBe(true)
      expect(await verified(13)).toBe(false)
      expect(await verified(14)).toBe(false)
    } finally {
      await stores.lifecycle.close()
    }
  })

  it('an unexpected database error imports nobody, and says so', async () => {
    const schema = randomSchemaName()
    schemas.push(schema)
    const env = { TESSERA_DATABASE_URL: PG_URL, TESSERA_DATABASE_SCHEMA: schema }
    expect((await runCommand(env, 'migrate')).code).toBe(0)
    // PostgreSQL enforces varchar(254) on the e-mail: the third user fails after two were written.
    const file = dumpFile([
      user(1, 'ann'),
      user(2, 'ben'),
      user(3, 'cat', { email: `${'x'.repeat(300)}@a.b` }),
    ])
    const result = await runCommand(env, 'users', 'import-django', file)
    expect(result.code).toBe(1)
    expect(result.err).toContain('nothing was imported')
    const stores = await openStores(PG_URL, { schema })
    try {
      expect(await stores.users.count()).toBe(0)
    } finally {
      await stores.lifecycle.close()
    }
  })
})
