/**
 * A listening server built over an app's own users table (`AppUserStore` on `accounts`, other
 * column names): a user the app created with a bcrypt hash (made by @node-rs/bcrypt) logs in
 * through the HTTP API, the hash in the app's table is upgraded to argon2id, and the user logs in
 * again, refreshes and reads `/api/me/`. On SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash as bcryptHash } from '@node-rs/bcrypt'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { AppUserStore, openDatabase, type SqlDatabase } from '../../src/store/sql/index.js'
import { BACKENDS, freshPgSchema } from '../helpers/server.js'
import { ACCOUNTS, createAccountsTable } from '../store/app-users-table.js'

const PASSWORD = 'correct horse battery staple'

for (const backend of BACKENDS) {
  describe(`a server on an app's own users table (${backend})`, () => {
    let dir: string
    let dropSchema: () => Promise<void>
    let appDatabase: SqlDatabase
    let server: TesseraServer
    let base: string

    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-app-users-'))
      let url = `sqlite:${join(dir, 'app.sqlite3')}`
      dropSchema = async () => {}
      if (backend === 'postgres') {
        const schema = await freshPgSchema()
        url = schema.url
        dropSchema = schema.drop
      }
      // The app's database, as the app opened it, with its table and its users.
      appDatabase = await openDatabase(url)
      await createAccountsTable(appDatabase.db, backend)
      const created = backend === 'postgres' ? new Date() : new Date().toISOString()
      for (const [login, hash] of [
        ['alice', await bcryptHash(PASSWORD, 4)],
        // PHP's crypt() writes $2y$: the same algorithm.
        ['php', (await bcryptHash(PASSWORD, 4)).replace(/^\$2b\$/, '$2y$')],
      ] as const) {
        await sql`insert into accounts (login, mail, pw_hash, created)
          values (${login}, ${`${login}@example.com`}, ${hash}, ${created})`.execute(appDatabase.db)
      }
      server = await buildServer({
        users: new AppUserStore(appDatabase, ACCOUNTS),
        logStream: false,
        settings: {
          env: {},
          mode: 'test',
          overrides: {
            DATABASE_URL: url,
            KEY_DIR: join(dir, 'keys'),
            SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
            RATE_LIMIT_ENABLED: false,
            UPDATE_LAST_LOGIN: true,
            ARGON2_MEMORY_KIB: 1024,
            ARGON2_ITERATIONS: 1,
            LOGIN_TIMING_PBKDF2_ITERATIONS: 0,
          },
        },
      })
      await server.app.listen({ host: '127.0.0.1', port: 0 })
      base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`
    })

    afterEach(async () => {
      await server?.close()
      await appDatabase?.destroy()
      await dropSchema()
      rmSync(dir, { recursive: true, force: true })
    })

    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    const storedHash = async (login: string) => {
      const { rows } = await sql<{
        pw_hash: string
        seen_at: unknown
      }>`select pw_hash, seen_at from accounts where login = ${login}`.execute(appDatabase.db)
      return rows[0]
    }

    it('logs a bcrypt user in, upgrades the hash in the app table to argon2id, and logs them in again', async () => {
      expect((await storedHash('alice'))?.pw_hash).toMatch(/^\$2b\$04\$/)
      const first = await post('/api/token/', { username: 'alice', password: PASSWORD })
      expect(first.status).toBe(200)
      expect(Object.keys(first.body).sort()).toEqual(['access', 'refresh'])

      const upgraded = await storedHash('alice')
      expect(upgraded?.pw_hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=/)
      // UPDATE_LAST_LOGIN writes the app's last-login column.
      expect(upgraded?.seen_at).not.toBeNull()

      const again = await post('/api/token/', { username: 'alice', password: PASSWORD })
      expect(again.status).toBe(200)
      // An argon2id hash at the current cost is kept as it is.
      expect((await storedHash('alice'))?.pw_hash).toBe(upgraded?.pw_hash)

      const me = await fetch(`${base}/api/me/`, { headers: { authorization: `Bearer ${again.body.access}` } })
      expect(me.status).toBe(200)
      expect(await me.json()).toMatchObject({ username: 'alice', email: 'alice@example.com' })

      const refreshed = await post('/api/token/refresh/', { refresh: again.body.refresh })
      expect(refreshed.status).toBe(200)
      expect(typeof refreshed.body.access).toBe('string')
    })

    it('accepts $2y$ hashes and upgrades them too', async () => {
      expect((await storedHash('php'))?.pw_hash).toMatch(/^\$2y\$/)
      expect((await post('/api/token/', { username: 'php', password: PASSWORD })).status).toBe(200)
      expect((await storedHash('php'))?.pw_hash).toMatch(/^\$argon2id\$/)
    })

    it('answers a wrong password and an unknown user alike, and keeps the bcrypt hash', async () => {
      const wrong = await post('/api/token/', { username: 'alice', password: 'wrong password' })
      const unknown = await post('/api/token/', { username: 'nobody', password: PASSWORD })
      expect(wrong.status).toBe(401)
      expect(unknown).toEqual(wrong)
      expect((await storedHash('alice'))?.pw_hash).toMatch(/^\$2b\$04\$/)
    })

    it('refuses a refresh once the app disables the user in its own table', async () => {
      const login = await post('/api/token/', { username: 'alice', password: PASSWORD })
      expect(login.status).toBe(200)
      await sql`update accounts set enabled = ${backend === 'postgres' ? sql`false` : sql`0`} where login = 'alice'`.execute(
        appDatabase.db,
      )
      const refreshed = await post('/api/token/refresh/', { refresh: login.body.refresh })
      expect(refreshed.status).toBe(401)
      expect(await post('/api/token/', { username: 'alice', password: PASSWORD })).toMatchObject({
        status: 401,
      })
    })
  })
}
