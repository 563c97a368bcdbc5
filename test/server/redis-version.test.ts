/**
 * Issue 17, item 14: Tessera needs Redis 7.0 or later (its counters set their window with
 * `PEXPIRE … NX`; on Redis 6 that command fails inside the transaction and the counters never
 * expire). An older server is refused at startup with an error naming its version, not found out
 * later by accounts that stay locked.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SettingsError } from '../../src/core/errors.js'
import { buildServer } from '../../src/server/build.js'
import { Writable } from 'node:stream'
import { FakeRedis } from '../helpers/fake-redis.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import { startTestServer } from '../helpers/server.js'

describe('the Redis server version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-redis-version-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('refuses to start on Redis 6.2 with a SettingsError naming REDIS_URL, the version and the need', async () => {
    const fake = new FakeRedis('6.2.6')
    const port = await fake.start()
    try {
      const started = buildServer({
        logStream: false,
        settings: {
          env: {},
          mode: 'test',
          overrides: {
            DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
            KEY_DIR: join(dir, 'keys'),
            SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
            REDIS_URL: `redis://127.0.0.1:${port}`,
          },
        },
      })
      const error = await started.then(
        async (server) => {
          await server.close()
          return undefined
        },
        (thrown: unknown) => thrown,
      )
      expect(error).toBeInstanceOf(SettingsError)
      expect((error as SettingsError).setting).toBe('REDIS_URL')
      expect((error as Error).message).toMatch(/6\.2\.6/)
      expect((error as Error).message).toMatch(/7\.0/)
      expect(fake.commands.some(([name]) => name?.toUpperCase() === 'INFO')).toBe(true)
    } finally {
      await fake.stop()
    }
  })

  it('an old Redis that appears after the start is logged as such, and Tessera runs on without it', async () => {
    const fake = new FakeRedis('6.0.9')
    const proxy = new TcpProxy(await fake.start())
    const port = await proxy.start()
    await proxy.cut()
    const errors: string[] = []
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as { level: number; msg: string; err?: { message: string } }
          if (entry.level >= 50) errors.push(`${entry.msg}: ${entry.err?.message}`)
        }
        done()
      },
    })
    const server = await buildServer({
      logStream,
      settings: {
        env: {},
        mode: 'test',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'later.sqlite3')}`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
          REDIS_URL: `redis://127.0.0.1:${port}`,
          LOG_LEVEL: 'warn',
        },
      },
    })
    try {
      await proxy.restore()
      for (let i = 0; i < 60 && errors.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 100))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/Redis is too old.*6\.0\.9.*7\.0/)
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.json()).toEqual({ status: 'degraded', checks: { database: 'ok', redis: 'unavailable' } })
    } finally {
      await server.close()
      await proxy.cut()
      await fake.stop()
    }
  })

  it('starts on the Redis 7 of the test machine', async () => {
    const server = await startTestServer('sqlite', { REDIS_URL: 'redis://127.0.0.1:6379' })
    try {
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } })
    } finally {
      await server.dispose()
    }
  })
})
