/**
 * A server loads the drivers its settings name and no others (src/store/sql/connect.ts,
 * src/store/redis/connection.ts): on SQLite without Redis, neither `pg` nor `ioredis`, nor Node's
 * bundled fetch that `pg` pulls in on Node 20. Each is checked in a fresh process running the built
 * code (`npm run build` first), since a test worker may have loaded anything already.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { PG_URL, REDIS_URL } from '../store/backends.js'

const DIST = resolve(import.meta.dirname, '../../dist')
const dir = mkdtempSync(join(tmpdir(), 'tessera-modules-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Loaded {
  packages: string[]
  fetch: boolean
}

/** Runs `body` (an ES module) in a new node process; it has `report()` to print what is loaded. */
async function loadedBy(body: string, env: Record<string, string> = {}): Promise<Loaded> {
  const script = `
    import { createRequire } from 'node:module'
    const report = () => {
      const files = Object.keys(createRequire(${JSON.stringify(`${DIST}/`)}).cache)
      const packages = new Set(files.map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean))
      const fetch = process.moduleLoadList.some((name) => name.includes('internal/deps/undici'))
      console.log(JSON.stringify({ packages: [...packages], fetch }))
    }
    ${body}
  `
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Loaded
}

describe('modules a server loads', () => {
  it('on SQLite without Redis: better-sqlite3, and neither pg, ioredis nor fetch', async () => {
    const loaded = await loadedBy(
      `
      const { buildServer } = await import(${JSON.stringify(`${DIST}/server/build.js`)})
      const server = await buildServer({ logStream: false })
      await server.app.ready()
      report()
      await server.close()
      `,
      {
        TESSERA_DATABASE_URL: `sqlite:${join(dir, 'modules.sqlite3')}`,
        TESSERA_KEY_DIR: join(dir, 'keys'),
      },
    )
    expect(loaded.packages).toContain('better-sqlite3')
    expect(loaded.packages).toContain('fastify')
    expect(loaded.packages).not.toContain('pg')
    expect(loaded.packages).not.toContain('ioredis')
    expect(loaded.fetch).toBe(false)
  })

  it('on PostgreSQL and Redis: pg and ioredis, and not the SQLite addon', async () => {
    const loaded = await loadedBy(`
      const { openDatabase } = await import(${JSON.stringify(`${DIST}/store/sql/connect.js`)})
      const { connectRedis } = await import(${JSON.stringify(`${DIST}/store/redis/connection.js`)})
      const database = await openDatabase(${JSON.stringify(PG_URL)})
      const redis = connectRedis(${JSON.stringify(REDIS_URL)}, 'loaded-modules-test')
      await new Promise((ready) => redis.once('ready', ready))
      await redis.ping()
      report()
      redis.disconnect()
      await database.destroy()
    `)
    expect(loaded.packages).toContain('pg')
    expect(loaded.packages).toContain('ioredis')
    expect(loaded.packages).not.toContain('better-sqlite3')
  })
})
