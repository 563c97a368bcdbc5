import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { ManualClock } from '../../src/core/clock.js'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import type { Settings } from '../../src/settings/types.js'

export type Backend = 'sqlite' | 'postgres'
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres']

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A fresh PostgreSQL schema, and a URL whose connections use it; dropped by `drop()`. */
export async function freshPgSchema(): Promise<{ url: string; drop: () => Promise<void> }> {
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const client = new pg.Client(PG_URL)
  await client.connect()
  await client.query(`CREATE SCHEMA ${schema}`)
  await client.end()
  const separator = PG_URL.includes('?') ? '&' : '?'
  return {
    url: `${PG_URL}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    drop: async () => {
      const dropper = new pg.Client(PG_URL)
      await dropper.connect()
      await dropper.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await dropper.end()
    },
  }
}

export interface TestServer extends TesseraServer {
  readonly clock: ManualClock
  /** The database this server uses; pass it as `DATABASE_URL` to start a second instance on it. */
  readonly databaseUrl: string
  /** Its Redis key prefix; pass it as `REDIS_PREFIX` to a second instance of the same deployment. */
  readonly redisPrefix: string
  createUser(input: {
    username: string
    email?: string
    password: string
    groups?: string[]
    isActive?: boolean
    isStaff?: boolean
  }): Promise<number>
  /** Stops the server and removes its database. */
  dispose(): Promise<void>
}

/**
 * Cheap argon2id for tests: the parameters, not the algorithm, make production hashing slow. No
 * PBKDF2 reference under failed logins either (test/http/login-timing.test.ts sets one).
 */
const FAST_HASHING = {
  ARGON2_MEMORY_KIB: 1024,
  ARGON2_ITERATIONS: 1,
  LOGIN_TIMING_PBKDF2_ITERATIONS: 0,
} as const

export async function startTestServer(
  backend: Backend,
  overrides: Partial<{ [K in keyof Settings]: Settings[K] | string }> = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-'))
  let databaseUrl = `sqlite:${join(dir, 'db.sqlite3')}`
  let dropSchema = async () => {}
  const shared = typeof overrides.DATABASE_URL === 'string'
  if (backend === 'postgres' && !shared) {
    const schema = await freshPgSchema()
    databaseUrl = schema.url
    dropSchema = schema.drop
  }
  const clock = new ManualClock(Date.now())
  const server = await buildServer({
    clock,
    logStream: false,
    settings: {
      env: {},
      mode: 'test',
      overrides: {
        DATABASE_URL: databaseUrl,
        KEY_DIR: join(dir, 'keys'),
        SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
        RATE_LIMIT_ENABLED: false,
        // Test files run in parallel against one Redis: each server group gets its own keys.
        REDIS_PREFIX: `test-${Math.random().toString(36).slice(2, 10)}:`,
        ...FAST_HASHING,
        ...overrides,
      },
    },
  })
  return Object.assign(server, {
    clock,
    databaseUrl: typeof overrides.DATABASE_URL === 'string' ? overrides.DATABASE_URL : databaseUrl,
    redisPrefix: server.settings.REDIS_PREFIX,
    async createUser(input: Parameters<TestServer['createUser']>[0]) {
      const user = await server.stores.users.create({
        username: input.username,
        email: input.email ?? `${input.username}@example.com`,
        passwordHash: await server.hasher.hash(input.password),
        isActive: input.isActive ?? true,
        isStaff: input.isStaff ?? false,
      })
      if (input.groups) await server.stores.users.setGroups(user.id, input.groups)
      return user.id
    },
    async dispose() {
      await server.close()
      await dropSchema()
      rmSync(dir, { recursive: true, force: true })
    },
  })
}
