/**
 * Issue 17, item 16: a production start with Redis up logs no Redis warning. It used to warn
 * "Redis unavailable: revocations fall back to polling", with a stack trace, on every start: the
 * subscription was sent before the connection was ready, and a connection that refuses to queue
 * commands refused it.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { RedisRevocationBus } from '../../src/store/redis/index.js'
import { freshPgSchema } from '../helpers/server.js'
import { REDIS_URL } from '../store/backends.js'

interface LogLine {
  level: number
  msg: string
}

describe('startup log with Redis up', () => {
  const lines: LogLine[] = []
  const dir = mkdtempSync(join(tmpdir(), 'tessera-startup-'))
  let server: TesseraServer
  let dropSchema = async () => {}

  beforeAll(async () => {
    const schema = await freshPgSchema()
    dropSchema = schema.drop
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
        done()
      },
    })
    server = await buildServer({
      logStream,
      settings: {
        env: {},
        mode: 'production',
        overrides: {
          DATABASE_URL: schema.url,
          MIGRATE_ON_START: true,
          REDIS_URL,
          REDIS_PREFIX: `test-${Math.random().toString(36).slice(2, 10)}:`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'k3y-for-the-startup-log-test-9f8e7d6c5b4a3210',
          REGISTRATION_OPEN: false,
          EMAIL_BACKEND: 'smtp',
          EMAIL_URL: 'smtp://127.0.0.1:9',
          FRONTEND_URL: 'https://app.example.com',
          MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
          ARGON2_MEMORY_KIB: 1024,
          ARGON2_ITERATIONS: 1,
        },
      },
    })
    await server.app.ready()
    // Anything logged as the connections settle.
    await new Promise((resolve) => setTimeout(resolve, 300))
  })
  afterAll(async () => {
    await server?.close()
    await dropSchema()
    rmSync(dir, { recursive: true, force: true })
  })

  it('logs no warning or error, and reports Redis ready', async () => {
    expect(lines.filter((line) => line.level >= 40)).toEqual([])
    const ready = await server.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', redis: 'ok' } })
  })

  it('is subscribed to the revocation channel once started', async () => {
    const userId = 4242
    const other = new RedisRevocationBus(REDIS_URL, { channelPrefix: server.settings.REDIS_PREFIX })
    try {
      await new Promise((resolve) => other.client.once('ready', resolve))
      // Only Redis carries this cut-off (the database has none), so only a subscriber can see it.
      await other.publish({ userId, notBefore: 1_000 })
      let seen = 0
      for (let i = 0; i < 40 && seen === 0; i++) {
        seen = server.gate.cutoffOf(userId)
        if (seen === 0) await new Promise((resolve) => setTimeout(resolve, 25))
      }
      expect(seen).toBe(1_000)
    } finally {
      await other.close()
    }
  })
})
