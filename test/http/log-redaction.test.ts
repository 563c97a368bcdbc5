/**
 * Logs hold no secrets (issue 5): with every log line on (access lines included), a login, a refresh, a cookie-mode
 * login, a failed login and a server error write log lines that contain no password, token,
 * cookie, CSRF token or key.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LogCapture } from '../helpers/log-capture.js'
import { buildServer } from '../../src/server/build.js'

const SECRET_KEY = 'log-test-signing-key-that-is-long-enough!!'
const PASSWORD = 'Very-Secret-Pass-77'

describe('log redaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-logs-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes request and audit lines without any credential', async () => {
    const log = new LogCapture()
    const server = await buildServer({
      logStream: log,
      settings: {
        env: {},
        mode: 'test',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: SECRET_KEY,
          LOG_LEVEL: 'trace',
          ARGON2_MEMORY_KIB: 1024,
          ARGON2_ITERATIONS: 1,
          RATE_LIMIT_ENABLED: false,
        },
      },
    })
    try {
      const { app } = server
      await app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: { username: 'logger', email: 'l@example.com', password: PASSWORD },
      })
      const login = await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'logger', password: PASSWORD },
      })
      const { access, refresh } = login.json()
      await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'logger', password: `${PASSWORD}-wrong` },
      })
      await app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${access}` } })
      const rotated = await app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh } })
      const cookie = await app.inject({
        method: 'POST',
        url: '/api/token/',
        headers: { 'x-auth-transport': 'cookie' },
        payload: { username: 'logger', password: PASSWORD },
      })
      const setCookie = String(cookie.headers['set-cookie'])
      await app.inject({
        method: 'POST',
        url: '/api/token/refresh/',
        headers: { cookie: setCookie.split(';')[0] ?? '', 'x-csrftoken': 'csrf-value-123' },
        payload: {},
      })
      expect(log.text).toContain('request received')
      expect(log.text).toContain('request completed')
      expect(log.text).toContain('login_failed')
      const secrets = [
        PASSWORD,
        access,
        refresh,
        rotated.json().refresh,
        rotated.json().access,
        SECRET_KEY,
        'csrf-value-123',
      ]
      const cookieValue = /refresh_token=([^;]+)/.exec(setCookie)?.[1]
      if (cookieValue) secrets.push(cookieValue)
      for (const secret of secrets)
        expect(log.text.includes(secret), `a log line holds ${secret.slice(0, 12)}…`).toBe(false)
      // Token signatures alone must not appear either.
      expect(log.text).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/)
    } finally {
      await server.close()
    }
  })
})
