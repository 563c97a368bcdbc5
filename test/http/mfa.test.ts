/**
 * Issue 21 over HTTP, on SQLite and PostgreSQL: TOTP enrolment with recovery codes, the
 * `mfa_required` login step, replayed and stale codes, attempts per mfa_token, amr/auth_time kept
 * through refreshes, step-up on sensitive actions, cookie mode, the staff enrolment setting, a
 * login completed on another instance, and the operator's reset.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEVELOPMENT_MFA_KEY } from '../../src/accounts/mfa/secret-box.js'
import type { MemoryTransport } from '../../src/mail/index.js'
import { runCommand } from '../helpers/cli.js'
import { claimsOf } from '../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'
import { totpCode } from '../helpers/totp.js'

const PASSWORD = 'Second-Factor-42!'

const post = (app: FastifyInstance, url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers })
const bearer = (access: string) => ({ authorization: `Bearer ${access}` })

for (const backend of BACKENDS) {
  describe(`second factors (${backend})`, () => {
    let server: TestServer
    let app: FastifyInstance

    beforeAll(async () => {
      server = await startTestServer(backend)
      app = server.app
    })
    afterAll(async () => {
      await server?.dispose()
    })

    const login = (username: string, headers: Record<string, string> = {}) =>
      post(app, '/api/token/', { username, password: PASSWORD }, headers)

    /** A user with TOTP on: its secret and recovery codes, the clock moved past the step used. */
    async function enrolled(username: string) {
      await server.createUser({ username, password: PASSWORD })
      const first = await login(username)
      expect(first.statusCode).toBe(200)
      const { access } = first.json() as { access: string }
      const setup = await post(app, '/api/mfa/totp/setup/', {}, bearer(access))
      expect(setup.statusCode, setup.body).toBe(200)
      const { secret } = setup.json() as { secret: string }
      const confirmed = await post(
        app,
        '/api/mfa/totp/confirm/',
        { code: totpCode(secret, server.clock.now()) },
        bearer(access),
      )
      expect(confirmed.statusCode, confirmed.body).toBe(200)
      server.clock.advance(30)
      return { secret, codes: (confirmed.json() as { recovery_codes: string[] }).recovery_codes }
    }

    /** The mfa_token of a password login that needs a second factor. */
    async function challenge(username: string, headers: Record<string, string> = {}) {
      const res = await login(username, headers)
      expect(res.statusCode, res.body).toBe(401)
      return (res.json() as { mfa_token: string }).mfa_token
    }

    it('enrols TOTP: a secret, its otpauth URI and QR code; a confirmed code gives ten recovery codes once', async () => {
      await server.createUser({ username: 'tina', password: PASSWORD })
      const { access } = (await login('tina')).json() as { access: string }
      expect(claimsOf(access).amr).toEqual(['pwd'])
      const setup = await post(app, '/api/mfa/totp/setup/', {}, bearer(access))
      expect(setup.statusCode).toBe(200)
      expect(setup.headers['cache-control']).toContain('no-store')
      const body = setup.json() as { secret: string; otpauth_uri: string; qr_svg: string }
      expect(body.secret).toMatch(/^[A-Z2-7]{32}$/)
      expect(body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/Tessera:tina\?/)
      expect(body.otpauth_uri).toContain(`secret=${body.secret}`)
      expect(body.otpauth_uri).toContain('period=30')
      expect(body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
      // Stored encrypted: the plain secret is nowhere in the row.
      const row = await server.stores.db.selectFrom('mfa_totp').selectAll().executeTakeFirstOrThrow()
      expect(row.secret).not.toContain(body.secret)
      expect(row.secret).toMatch(/^v1\./)

      const wrong = await post(app, '/api/mfa/totp/confirm/', { code: '000000' }, bearer(access))
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json()).toEqual({ code: ['Invalid or expired code.'] })
      // Not on until confirmed: the password alone still logs in.
      expect((await login('tina')).statusCode).toBe(200)

      const code = totpCode(body.secret, server.clock.now())
      const ok = await post(app, '/api/mfa/totp/confirm/', { code }, bearer(access))
      expect(ok.statusCode).toBe(200)
      const codes = (ok.json() as { recovery_codes: string[] }).recovery_codes
      expect(codes).toHaveLength(10)
      expect(new Set(codes).size).toBe(10)
      for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/)
      const stored = await server.stores.db.selectFrom('mfa_recovery_codes').select('code_hash').execute()
      expect(stored.map((r) => r.code_hash).some((h) => codes.some((c) => h.includes(c)))).toBe(false)

      const status = await app.inject({ method: 'GET', url: '/api/mfa/', headers: bearer(access) })
      expect(status.json()).toEqual({
        totp: true,
        recovery_codes_remaining: 10,
        passkeys: 0,
        methods: ['totp', 'recovery_code'],
      })
      // A second setup is refused while TOTP is on.
      expect((await post(app, '/api/mfa/totp/setup/', {}, bearer(access))).statusCode).toBe(400)
      const mails = (server.mail.transport as MemoryTransport).sent
      await server.mail.background.drain()
      await server.mail.worker.idle()
      expect(mails.some((m) => m.to === 'tina@example.com' && /second factors/.test(m.subject))).toBe(true)
    })

    it('with TOTP on, the password answers 401 mfa_required; the code completes the login once', async () => {
      const { secret } = await enrolled('ursula')
      const res = await login('ursula')
      expect(res.statusCode).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
      const body = res.json() as Record<string, unknown>
      expect(body).toEqual({
        detail: 'A second factor is required to complete this login.',
        code: 'mfa_required',
        mfa_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        methods: ['totp', 'recovery_code'],
      })
      const mfaToken = body.mfa_token as string
      const code = totpCode(secret, server.clock.now())
      const done = await post(app, '/api/token/mfa/', { mfa_token: mfaToken, code })
      expect(done.statusCode, done.body).toBe(200)
      expect(done.headers['cache-control']).toContain('no-store')
      const pair = done.json() as { access: string; refresh: string }
      expect(Object.keys(pair).sort()).toEqual(['access', 'refresh'])
      const claims = claimsOf(pair.access)
      expect(claims.amr).toEqual(['pwd', 'otp', 'mfa'])
      expect(claims.auth_time).toBe(Math.floor(server.clock.now() / 1000))
      // The token is used up; the code too (same step, another login).
      expect((await post(app, '/api/token/mfa/', { mfa_token: mfaToken, code })).json()).toMatchObject({
        code: 'mfa_token_invalid',
      })
      const replay = await post(app, '/api/token/mfa/', { mfa_token: await challenge('ursula'), code })
      expect(replay.statusCode).toBe(401)
      expect(replay.json()).toEqual({
        detail: 'Invalid or expired second factor.',
        code: 'authentication_failed',
      })
      // A stale code (three steps ago) is refused too.
      const stale = totpCode(secret, server.clock.now() - 90_000)
      expect(
        (await post(app, '/api/token/mfa/', { mfa_token: await challenge('ursula'), code: stale }))
          .statusCode,
      ).toBe(401)
      await server.stores.audit.drain()
      const audit = await server.stores.db.selectFrom('audit_events').select('event').execute()
      expect(audit.filter((e) => e.event === 'mfa_failed').length).toBeGreaterThanOrEqual(2)
    })

    it('refreshes keep amr and auth_time: a refresh is not a login', async () => {
      const { secret } = await enrolled('vera')
      const mfaToken = await challenge('vera')
      const pair = (
        await post(app, '/api/token/mfa/', {
          mfa_token: mfaToken,
          code: totpCode(secret, server.clock.now()),
        })
      ).json() as { refresh: string }
      const authTime = claimsOf(pair.refresh).auth_time
      server.clock.advance(120)
      const refreshed = await post(app, '/api/token/refresh/', { refresh: pair.refresh })
      expect(refreshed.statusCode).toBe(200)
      const next = refreshed.json() as { access: string; refresh: string }
      for (const token of [next.access, next.refresh]) {
        expect(claimsOf(token).amr).toEqual(['pwd', 'otp', 'mfa'])
        expect(claimsOf(token).auth_time).toBe(authTime)
      }
    })

    it('recovery codes work once each; a new set voids the old one', async () => {
      const { codes } = await enrolled('wanda')
      const [first, second] = codes as [string, string]
      const done = await post(app, '/api/token/mfa/', {
        mfa_token: await challenge('wanda'),
        recovery_code: first.toUpperCase().replace('-', ' '),
      })
      expect(done.statusCode, done.body).toBe(200)
      const { access } = done.json() as { access: string }
      expect(claimsOf(access).amr).toEqual(['pwd', 'otp', 'mfa'])
      const again = await post(app, '/api/token/mfa/', {
        mfa_token: await challenge('wanda'),
        recovery_code: first,
      })
      expect(again.statusCode).toBe(401)
      const status = await app.inject({ method: 'GET', url: '/api/mfa/', headers: bearer(access) })
      expect((status.json() as { recovery_codes_remaining: number }).recovery_codes_remaining).toBe(9)

      const fresh = await post(app, '/api/mfa/recovery-codes/', {}, bearer(access))
      expect(fresh.statusCode).toBe(200)
      const newCodes = (fresh.json() as { recovery_codes: string[] }).recovery_codes
      expect(newCodes).toHaveLength(10)
      const old = await post(app, '/api/token/mfa/', {
        mfa_token: await challenge('wanda'),
        recovery_code: second,
      })
      expect(old.statusCode).toBe(401)
      const ok = await post(app, '/api/token/mfa/', {
        mfa_token: await challenge('wanda'),
        recovery_code: newCodes[0] as string,
      })
      expect(ok.statusCode).toBe(200)
    })

    it('an mfa_token allows MFA_MAX_ATTEMPTS tries; bad bodies are 400', async () => {
      const { secret } = await enrolled('xena')
      const mfaToken = await challenge('xena')
      for (let i = 0; i < 5; i++) {
        const res = await post(app, '/api/token/mfa/', { mfa_token: mfaToken, code: '123456' })
        expect(res.json()).toMatchObject({ code: 'authentication_failed' })
      }
      const sixth = await post(app, '/api/token/mfa/', {
        mfa_token: mfaToken,
        code: totpCode(secret, server.clock.now()),
      })
      expect(sixth.statusCode).toBe(401)
      expect(sixth.json()).toMatchObject({ code: 'mfa_token_invalid' })
      expect((await post(app, '/api/token/mfa/', { mfa_token: 'x'.repeat(43) })).json()).toEqual({
        non_field_errors: ['Give exactly one of code, recovery_code or webauthn.'],
      })
      expect((await post(app, '/api/token/mfa/', { code: '123456' })).json()).toEqual({
        mfa_token: ['This field is required.'],
      })
      expect(
        (await post(app, '/api/token/mfa/', { mfa_token: 'nope', code: '123456' })).json(),
      ).toMatchObject({
        code: 'mfa_token_invalid',
      })
    })

    it('sensitive actions need a recent login: 403 reauthentication_required, and a fresh login passes', async () => {
      const { secret } = await enrolled('yara')
      const pair = (
        await post(app, '/api/token/mfa/', {
          mfa_token: await challenge('yara'),
          code: totpCode(secret, server.clock.now()),
        })
      ).json() as { refresh: string }
      server.clock.advance(301)
      const { access } = (await post(app, '/api/token/refresh/', { refresh: pair.refresh })).json() as {
        access: string
      }
      const stale = {
        detail: 'This action requires a recent authentication. Log in again and retry.',
        code: 'reauthentication_required',
      }
      const off = await app.inject({ method: 'DELETE', url: '/api/mfa/totp/', headers: bearer(access) })
      expect(off.statusCode).toBe(403)
      expect(off.json()).toEqual(stale)
      expect((await post(app, '/api/mfa/recovery-codes/', {}, bearer(access))).json()).toEqual(stale)
      const change = await post(
        app,
        '/api/me/password/',
        { old_password: PASSWORD, new_password: 'Another-Secret-99?' },
        bearer(access),
      )
      expect(change.statusCode).toBe(403)
      expect(change.json()).toEqual(stale)
      expect(
        (await post(app, '/api/email/change/', { email: 'new@example.com' }, bearer(access))).json(),
      ).toEqual(stale)

      const fresh = (
        await post(app, '/api/token/mfa/', {
          mfa_token: await challenge('yara'),
          code: totpCode(secret, server.clock.now()),
        })
      ).json() as { access: string }
      const turnedOff = await app.inject({
        method: 'DELETE',
        url: '/api/mfa/totp/',
        headers: bearer(fresh.access),
      })
      expect(turnedOff.statusCode).toBe(204)
      // One step again, and the recovery codes went with the last factor.
      expect((await login('yara')).statusCode).toBe(200)
      const codes = await server.stores.db
        .selectFrom('mfa_recovery_codes')
        .select('code_hash')
        .where('user_id', '=', claimsOf(fresh.access).user_id as number)
        .execute()
      expect(codes).toEqual([])
    })

    it('cookie mode: the second step sets the refresh cookie as /api/token/ does', async () => {
      const { secret } = await enrolled('zora')
      const cookie = { 'x-auth-transport': 'cookie' }
      const mfaToken = await challenge('zora', cookie)
      const done = await post(
        app,
        '/api/token/mfa/',
        { mfa_token: mfaToken, code: totpCode(secret, server.clock.now()) },
        cookie,
      )
      expect(done.statusCode).toBe(200)
      expect(Object.keys(done.json() as object)).toEqual(['access'])
      const setCookie = ([] as string[]).concat(done.headers['set-cookie'] ?? [])
      expect(setCookie.some((c) => /^refresh_token=.+HttpOnly/.test(c) || /HttpOnly/.test(c))).toBe(true)
      expect(setCookie.some((c) => c.startsWith('csrftoken='))).toBe(true)
    })

    it('sliding tokens: the second step answers {token}', async () => {
      const { secret } = await enrolled('sid')
      const res = await post(app, '/api/token/sliding/', { username: 'sid', password: PASSWORD })
      expect(res.statusCode).toBe(401)
      const { mfa_token: mfaToken } = res.json() as { mfa_token: string }
      const done = await post(app, '/api/token/mfa/', {
        mfa_token: mfaToken,
        code: totpCode(secret, server.clock.now()),
      })
      expect(done.statusCode).toBe(200)
      const { token } = done.json() as { token: string }
      expect(claimsOf(token).token_type).toBe('sliding')
      expect(claimsOf(token).amr).toEqual(['pwd', 'otp', 'mfa'])
    })

    it('a login begun on one instance is completed on another', async () => {
      const { secret } = await enrolled('otto')
      const other = await startTestServer(backend, { DATABASE_URL: server.databaseUrl })
      try {
        other.clock.set(server.clock.now())
        const mfaToken = await challenge('otto')
        const done = await post(other.app, '/api/token/mfa/', {
          mfa_token: mfaToken,
          code: totpCode(secret, other.clock.now()),
        })
        expect(done.statusCode, done.body).toBe(200)
        // The step is used on both instances.
        const replay = await post(app, '/api/token/mfa/', {
          mfa_token: await challenge('otto'),
          code: totpCode(secret, server.clock.now()),
        })
        expect(replay.statusCode).toBe(401)
      } finally {
        await other.close()
      }
    })

    it('rotates MFA_SECRET_KEY: without the old key 503 (not a wrong code), with it as a fallback the secret is sealed again under the new key', async () => {
      const { secret } = await enrolled('kai')
      const NEW_KEY = 'a-brand-new-mfa-secret-key-0123456789'
      const instance = (extra: Record<string, unknown>) =>
        startTestServer(backend, { DATABASE_URL: server.databaseUrl, MFA_SECRET_KEY: NEW_KEY, ...extra })
      /** The second step of a fresh login to `on`, with the current code; the clock then moves past it. */
      const secondStep = async (on: TestServer) => {
        on.clock.set(server.clock.now())
        const res = await post(on.app, '/api/token/mfa/', {
          mfa_token: await challenge('kai'),
          code: totpCode(secret, on.clock.now()),
        })
        server.clock.advance(30)
        return res
      }
      const withoutOld = await instance({})
      try {
        const refused = await secondStep(withoutOld)
        expect(refused.statusCode, refused.body).toBe(503)
        expect(refused.json()).toMatchObject({ code: 'service_unavailable' })
      } finally {
        await withoutOld.close()
      }
      const withFallback = await instance({ MFA_SECRET_KEY_FALLBACKS: DEVELOPMENT_MFA_KEY })
      try {
        expect((await secondStep(withFallback)).statusCode).toBe(200)
      } finally {
        await withFallback.close()
      }
      // Sealed again under the new key: the old one is no longer needed.
      const newOnly = await instance({})
      try {
        const done = await secondStep(newOnly)
        expect(done.statusCode, done.body).toBe(200)
      } finally {
        await newOnly.close()
      }
    })

    it('tessera users reset-mfa removes every factor, ends the sessions and is audited', async () => {
      await enrolled('pia')
      const mfaToken = await challenge('pia')
      expect(mfaToken).toBeTruthy()
      const result = await runCommand(
        { TESSERA_DATABASE_URL: server.databaseUrl, TESSERA_MODE: 'test' },
        'users',
        'reset-mfa',
        'pia',
      )
      expect(result.code, result.err).toBe(0)
      expect(result.out).toContain("User 'pia': second factors removed")
      expect((await login('pia')).statusCode).toBe(200)
      await server.stores.audit.drain()
      const events = await server.stores.db
        .selectFrom('audit_events')
        .select('event')
        .where('event', '=', 'mfa_reset')
        .execute()
      expect(events).toHaveLength(1)
      const queued = await server.stores.db
        .selectFrom('mail_outbox')
        .select(['to_address', 'text_body'])
        .execute()
      expect(
        queued.some(
          (m) => m.to_address === 'pia@example.com' && m.text_body.includes('administrator removed'),
        ),
      ).toBe(true)
      expect(
        (
          await runCommand(
            { TESSERA_DATABASE_URL: server.databaseUrl, TESSERA_MODE: 'test' },
            'users',
            'reset-mfa',
            'nobody',
          )
        ).code,
      ).toBe(1)
    })
  })
}

describe('the two-step login on a listening server (sqlite)', () => {
  let server: TestServer
  let base: string
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    base = await server.app.listen({ host: '127.0.0.1', port: 0 })
  })
  afterAll(async () => {
    await server?.dispose()
  })

  const send = async (path: string, body: object, access?: string) => {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(access ? { authorization: `Bearer ${access}` } : {}),
      },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers }
  }

  it('enrols, is asked for the code, and completes with it over real HTTP', async () => {
    await server.createUser({ username: 'real', password: PASSWORD })
    const first = await send('/api/token/', { username: 'real', password: PASSWORD })
    const access = first.body.access as string
    const { secret } = (await send('/api/mfa/totp/setup/', {}, access)).body as { secret: string }
    expect(
      (await send('/api/mfa/totp/confirm/', { code: totpCode(secret, server.clock.now()) }, access)).status,
    ).toBe(200)
    server.clock.advance(30)
    const asked = await send('/api/token/', { username: 'real', password: PASSWORD })
    expect(asked.status).toBe(401)
    expect(asked.headers.get('www-authenticate')).toBe('Bearer realm="api"')
    expect(asked.body.code).toBe('mfa_required')
    const done = await send('/api/token/mfa/', {
      mfa_token: asked.body.mfa_token as string,
      code: totpCode(secret, server.clock.now()),
    })
    expect(done.status).toBe(200)
    expect(done.headers.get('cache-control')).toContain('no-store')
    expect(claimsOf(done.body.access as string).amr).toEqual(['pwd', 'otp', 'mfa'])
  })
})

describe('MFA_REQUIRED_FOR_STAFF (sqlite)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', { MFA_REQUIRED_FOR_STAFF: true })
  })
  afterAll(async () => {
    await server?.dispose()
  })

  it('staff without a factor get tokens limited to enrolling one, without staff claims', async () => {
    await server.createUser({ username: 'boss', password: PASSWORD, isStaff: true, groups: ['admin'] })
    const res = await post(server.app, '/api/token/', { username: 'boss', password: PASSWORD })
    expect(res.statusCode).toBe(200)
    const body = res.json() as { access: string; refresh: string; mfa_enrollment_required: boolean }
    expect(body.mfa_enrollment_required).toBe(true)
    const claims = claimsOf(body.access)
    expect(claims.mfa_enrollment).toBe(true)
    expect(claims.is_staff).toBeUndefined()
    expect(claims.roles).toBeUndefined()
    const sessions = await server.app.inject({
      method: 'GET',
      url: '/api/sessions/',
      headers: bearer(body.access),
    })
    expect(sessions.statusCode).toBe(403)
    expect(sessions.json()).toEqual({
      detail: 'Set up a second factor, then log in again with it.',
      code: 'mfa_enrollment_required',
    })
    // Refreshing keeps the limit.
    const refreshed = (await post(server.app, '/api/token/refresh/', { refresh: body.refresh })).json() as {
      access: string
    }
    expect(claimsOf(refreshed.access).mfa_enrollment).toBe(true)
    expect(claimsOf(refreshed.access).is_staff).toBeUndefined()
    const setup = await post(server.app, '/api/mfa/totp/setup/', {}, bearer(body.access))
    expect(setup.statusCode).toBe(200)
    const { secret } = setup.json() as { secret: string }
    const confirm = await post(
      server.app,
      '/api/mfa/totp/confirm/',
      { code: totpCode(secret, server.clock.now()) },
      bearer(body.access),
    )
    expect(confirm.statusCode).toBe(200)
    server.clock.advance(30)
    const again = await post(server.app, '/api/token/', { username: 'boss', password: PASSWORD })
    const { mfa_token: mfaToken } = again.json() as { mfa_token: string }
    const full = (
      await post(server.app, '/api/token/mfa/', {
        mfa_token: mfaToken,
        code: totpCode(secret, server.clock.now()),
      })
    ).json() as { access: string }
    expect(claimsOf(full.access).is_staff).toBe(true)
    expect(claimsOf(full.access).mfa_enrollment).toBeUndefined()
    // Ordinary users are not asked.
    await server.createUser({ username: 'clerk', password: PASSWORD })
    const clerk = await post(server.app, '/api/token/', { username: 'clerk', password: PASSWORD })
    expect(Object.keys(clerk.json() as object).sort()).toEqual(['access', 'refresh'])
  })
})
