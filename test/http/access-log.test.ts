/**
 * Issue 18: at the default `LOG_LEVEL=info` each request writes exactly one access line when its
 * response is finished (method, route pattern, status, time, request id, user id, client IP) and
 * nothing else; the line holds no credential, and `close()` writes every line still buffered.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LogCapture } from '../helpers/log-capture.js'
import { buildServer } from '../../src/server/build.js'
import type { LoadOptions } from '../../src/settings/load.js'

const SECRET_KEY = 'access-log-test-signing-key-long-enough!!'
const PASSWORD = 'Access-Log-Pass-77'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  method?: string
  route?: string | null
  url?: string
  status?: number
  responseTime?: number
  userId?: number
  ip?: string
  [key: string]: unknown
}

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

function serverSettings(overrides: Record<string, unknown> = {}): LoadOptions {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-access-'))
  dirs.push(dir)
  return {
    env: {},
    mode: 'test',
    overrides: {
      DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
      KEY_DIR: join(dir, 'keys'),
      SIGNING_KEY: SECRET_KEY,
      LOG_LEVEL: 'info',
      TRUST_PROXY: '1',
      ARGON2_MEMORY_KIB: 1024,
      ARGON2_ITERATIONS: 1,
      RATE_LIMIT_ENABLED: false,
      ...overrides,
    },
  }
}

describe('access log', () => {
  it('writes one line per request, with its route, status, time, request id, user and client IP', async () => {
    const log = new LogCapture()
    const server = await buildServer({ logStream: log, settings: serverSettings() })
    try {
      const { app } = server
      await app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: { username: 'reader', email: 'r@example.com', password: PASSWORD },
      })
      const login = await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'reader', password: PASSWORD },
      })
      const { access } = login.json()
      const userId = (
        await app.inject({ url: '/api/me/', headers: { authorization: `Bearer ${access}` } })
      ).json().id as number
      log.clear()
      const hello = await app.inject({
        url: '/api/hello/?token=query-secret-123',
        remoteAddress: '10.0.0.1',
        headers: {
          authorization: `Bearer ${access}`,
          cookie: 'refresh_token=cookie-secret-456',
          'x-forwarded-for': '203.0.113.9',
        },
      })
      expect(hello.statusCode).toBe(200)
      const lines = log.text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as LogLine)
      expect(lines).toHaveLength(1)
      const [line] = lines
      expect(line).toMatchObject({
        level: 30,
        msg: 'request completed',
        method: 'GET',
        route: '/api/hello/',
        status: 200,
        userId,
        ip: '203.0.113.9',
      })
      expect(typeof line?.reqId).toBe('string')
      expect(line?.reqId).not.toBe('')
      expect(typeof line?.responseTime).toBe('number')
      for (const secret of [access, 'query-secret-123', 'cookie-secret-456', 'authorization', 'Bearer'])
        expect(log.text.includes(secret), `the access line holds ${secret.slice(0, 12)}`).toBe(false)

      // An anonymous request, and one no route matches: no user, and no raw path either.
      log.clear()
      await app.inject({ url: '/healthz' })
      await app.inject({ url: '/no/such/path?x=secret-789' })
      const more = log.text
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as LogLine)
      expect(more.map((entry) => [entry.route, entry.status, entry.userId])).toEqual([
        ['/healthz', 200, undefined],
        [null, 404, undefined],
      ])
      expect(log.text).not.toContain('secret-789')
    } finally {
      await server.close()
    }
  })

  it('writes nothing per request above info', async () => {
    const log = new LogCapture()
    const server = await buildServer({ logStream: log, settings: serverSettings({ LOG_LEVEL: 'warn' }) })
    try {
      await server.app.inject({ url: '/healthz' })
      await server.app.inject({ url: '/no/such/path' })
      expect(log.text).toBe('')
    } finally {
      await server.close()
    }
  })

  it('keeps a short, safe X-Request-Id and replaces any other', async () => {
    const log = new LogCapture()
    const server = await buildServer({ logStream: log, settings: serverSettings() })
    try {
      for (const id of ['edge-1f3a.9_B', 'has space', 'x'.repeat(65), 'quote"d'])
        await server.app.inject({ url: '/healthz', headers: { 'x-request-id': id } })
      const ids = log.text
        .split('\n')
        .filter(Boolean)
        .map((text) => (JSON.parse(text) as LogLine).reqId)
      expect(ids[0]).toBe('edge-1f3a.9_B')
      for (const id of ids.slice(1)) expect(id).toMatch(/^req-[0-9a-z]+$/)
      expect(new Set(ids).size).toBe(4)
    } finally {
      await server.close()
    }
  })

  it('logs a server error with its request id and the error, beside its access line', async () => {
    const log = new LogCapture()
    const server = await buildServer({ logStream: log, settings: serverSettings() })
    try {
      server.stores.users.findByUsername = async () => {
        throw new Error('disk on fire')
      }
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'someone', password: PASSWORD },
      })
      expect(response.statusCode).toBe(500)
      const lines = log.text
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as LogLine & { err?: { message?: string } })
      const failure = lines.find((line) => line.msg === 'request failed')
      const access = lines.find((line) => line.msg === 'request completed')
      expect(failure?.err?.message).toBe('disk on fire')
      expect(access).toMatchObject({ status: 500, route: '/api/token/', reqId: failure?.reqId })
      expect(log.text).not.toContain(PASSWORD)
    } finally {
      await server.close()
    }
  })

  it('close() writes every line the buffered destination still holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-access-file-'))
    dirs.push(dir)
    const file = join(dir, 'tessera.log')
    const server = await buildServer({ logStream: { file }, settings: serverSettings() })
    const requests = 57
    try {
      for (let i = 0; i < requests; i++) await server.app.inject({ url: '/healthz' })
    } finally {
      await server.close()
    }
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as LogLine)
    expect(
      lines.filter((line) => line.msg === 'request completed' && line.route === '/healthz'),
    ).toHaveLength(requests)
  })
})
