/**
 * Issue 20: the mail settings production refuses, the console backend in development, the SMTP
 * password never in a message or a log line, and REQUIRE_EMAIL_VERIFICATION at login.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { MemoryTransport } from '../../src/mail/index.js'
import { buildServer, type TesseraServer } from '../../src/server/build.js'
import { loadSettings } from '../../src/settings/load.js'
import { LogCapture } from '../helpers/log-capture.js'
import { startTestServer } from '../helpers/server.js'
import { settingsError } from '../helpers/settings-error.js'

const PRODUCTION = {
  TESSERA_MODE: 'production',
  TESSERA_DATABASE_URL: 'postgres://db/x',
  TESSERA_REGISTRATION_OPEN: 'false',
  TESSERA_EMAIL_BACKEND: 'smtp',
  TESSERA_EMAIL_URL: 'smtp://user:s3cret-smtp-pass@mail.example.com:587',
  TESSERA_FRONTEND_URL: 'https://app.example.com',
  TESSERA_MFA_SECRET_KEY: 'mfa-secret-key-for-tests-0123456789abcdefghijklmnop',
}
const SMTP_PASSWORD = 's3cret-smtp-pass'

describe('mail settings', () => {
  it('production refuses the console and memory backends and a missing FRONTEND_URL, naming the variable', () => {
    expect(loadSettings({ env: PRODUCTION }).EMAIL_BACKEND).toBe('smtp')
    for (const backend of ['console', 'memory']) {
      const error = settingsError(() =>
        loadSettings({ env: { ...PRODUCTION, TESSERA_EMAIL_BACKEND: backend } }),
      )
      expect(error.message).toContain('TESSERA_EMAIL_BACKEND')
    }
    const { TESSERA_EMAIL_BACKEND: _backend, ...unset } = PRODUCTION
    expect(settingsError(() => loadSettings({ env: unset })).setting).toBe('EMAIL_BACKEND')
    const { TESSERA_FRONTEND_URL: _url, ...noFrontend } = PRODUCTION
    expect(settingsError(() => loadSettings({ env: noFrontend })).message).toContain('TESSERA_FRONTEND_URL')
    // Operator commands that serve no HTTP are not refused for it.
    expect(loadSettings({ env: noFrontend, uses: ['database'] }).FRONTEND_URL).toBeNull()
  })

  it('defaults: console in development, memory in tests; verification not required', () => {
    expect(loadSettings({ env: {} })).toMatchObject({
      EMAIL_BACKEND: 'console',
      REQUIRE_EMAIL_VERIFICATION: false,
      PASSWORD_RESET_TIMEOUT: 3600,
    })
    expect(loadSettings({ env: {}, mode: 'test' }).EMAIL_BACKEND).toBe('memory')
  })

  it('refuses inconsistent values without ever echoing the SMTP password', () => {
    expect(settingsError(() => loadSettings({ env: { TESSERA_EMAIL_BACKEND: 'smtp' } })).setting).toBe(
      'EMAIL_URL',
    )
    const bad = settingsError(() =>
      loadSettings({ env: { TESSERA_EMAIL_URL: `http://u:${SMTP_PASSWORD}@host` } }),
    )
    expect(bad.setting).toBe('EMAIL_URL')
    expect(bad.message).not.toContain(SMTP_PASSWORD)
    for (const url of ['https://app.example.com/', 'ftp://x', 'https://app.example.com/#x', 'not a url']) {
      expect(settingsError(() => loadSettings({ env: { TESSERA_FRONTEND_URL: url } })).setting).toBe(
        'FRONTEND_URL',
      )
    }
    expect(loadSettings({ env: { TESSERA_FRONTEND_URL: 'https://example.com/app' } }).FRONTEND_URL).toBe(
      'https://example.com/app',
    )
    expect(settingsError(() => loadSettings({ env: { TESSERA_PASSWORD_RESET_PATH: 'reset' } })).setting).toBe(
      'PASSWORD_RESET_PATH',
    )
    const settings = loadSettings({ env: PRODUCTION })
    expect(JSON.stringify(settings)).not.toContain(SMTP_PASSWORD)
  })
})

describe('logs', () => {
  const dirs: string[] = []
  const servers: TesseraServer[] = []
  afterAll(async () => {
    for (const server of servers) await server.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  async function serverWithLogs(
    overrides: Record<string, unknown>,
  ): Promise<{ server: TesseraServer; logs: LogCapture }> {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-mail-logs-'))
    dirs.push(dir)
    const logs = new LogCapture()
    const server = await buildServer({
      logStream: logs,
      settings: {
        env: {},
        mode: 'development',
        overrides: {
          DATABASE_URL: `sqlite:${join(dir, 'db.sqlite3')}`,
          KEY_DIR: join(dir, 'keys'),
          SIGNING_KEY: 'test-signing-key-that-is-long-enough-for-hs256!',
          RATE_LIMIT_ENABLED: false,
          ARGON2_MEMORY_KIB: 1024,
          ARGON2_ITERATIONS: 1,
          LOGIN_TIMING_PBKDF2_ITERATIONS: 0,
          ...overrides,
        },
      },
    })
    servers.push(server)
    await server.stores.users.create({
      username: 'lee',
      email: 'lee@example.com',
      passwordHash: await server.hasher.hash('Wonderland-42!'),
    })
    return { server, logs }
  }

  it('console backend (the development default): the mail, link included, is in the server log', async () => {
    const { server, logs } = await serverWithLogs({})
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/password/reset/',
      payload: { email: 'lee@example.com' },
    })
    expect(res.statusCode).toBe(202)
    await server.mail.background.drain()
    await server.mail.worker.idle()
    await server.logger?.flush()
    const line = logs
      .lines()
      .find((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('mail to lee@example.com'))
    expect(line?.msg).toMatch(
      /http:\/\/127\.0\.0\.1:8000\/api\/password\/reset\/confirm\/#token=[A-Za-z0-9_-]{43}/,
    )
  })

  it('smtp backend failing: the log says why, never the password', async () => {
    const { server, logs } = await serverWithLogs({
      EMAIL_BACKEND: 'smtp',
      // Nothing listens on port 9 (discard) here: every attempt is refused.
      EMAIL_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:9`,
    })
    await server.app.inject({
      method: 'POST',
      url: '/api/password/reset/',
      payload: { email: 'lee@example.com' },
    })
    await server.mail.background.drain()
    const deadline = Date.now() + 10_000
    while (!logs.text.includes('mail not delivered')) {
      if (Date.now() > deadline) throw new Error('no delivery failure logged')
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    await server.logger?.flush()
    expect(logs.text).not.toContain(SMTP_PASSWORD)
    expect(server.mail.transport.description).toBe('smtp smtp://mailer:***@127.0.0.1:9')
    const row = await server.stores.db
      .selectFrom('mail_outbox')
      .select('last_error')
      .executeTakeFirstOrThrow()
    expect(row.last_error).not.toContain(SMTP_PASSWORD)
  })
})

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  it('refuses login with email_not_verified (only after the right password) until the address is verified', async () => {
    const server = await startTestServer('sqlite', { REQUIRE_EMAIL_VERIFICATION: true })
    try {
      const { app } = server
      const payload = { username: 'nova', email: 'nova@example.com', password: 'Wonderland-42!' }
      expect((await app.inject({ method: 'POST', url: '/api/register/', payload })).statusCode).toBe(201)
      const login = (password: string) =>
        app.inject({ method: 'POST', url: '/api/token/', payload: { username: 'nova', password } })
      const refused = await login(payload.password)
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toEqual({
        detail: 'E-mail address is not verified.',
        code: 'email_not_verified',
      })
      const wrong = await login('Wrong-Password-1')
      expect(wrong.statusCode).toBe(401)
      expect(wrong.json()).toEqual({ detail: 'No active account found with the given credentials' })

      // Without a session, a new link is asked for by address.
      const resend = await app.inject({
        method: 'POST',
        url: '/api/email/verify/resend/',
        payload: { email: 'nova@example.com' },
      })
      expect(resend.statusCode).toBe(202)
      await server.mail.background.drain()
      await server.mail.worker.idle()
      const sent = (server.mail.transport as MemoryTransport).sent.filter(
        (mail) => mail.to === 'nova@example.com',
      )
      expect(sent).toHaveLength(2)
      const token = /#token=([A-Za-z0-9_-]{43})/.exec(sent[1]?.text ?? '')?.[1] ?? ''
      expect(
        (await app.inject({ method: 'POST', url: '/api/email/verify/', payload: { token } })).statusCode,
      ).toBe(200)
      expect((await login(payload.password)).statusCode).toBe(200)
    } finally {
      await server.dispose()
    }
  })
})
