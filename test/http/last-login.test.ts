/**
 * `UPDATE_LAST_LOGIN` over HTTP, on SQLite and PostgreSQL: `last_login` (read through the admin
 * API) is written when a login completes and its tokens are issued, as simplejwt's obtain
 * serializers do: a password login (pair and sliding), the second step of a login with a second
 * factor, a passkey login. Not by the password step of an account that still owes its second
 * factor, a failed second step, a refresh or a password change; and never with the setting off.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftwareAuthenticator } from '../helpers/authenticator.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'
import { totpCode } from '../helpers/totp.js'

const PASSWORD = 'Last-Login-42!'
const ORIGIN = 'https://app.example.com'
const WEBAUTHN = { WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: [ORIGIN], WEBAUTHN_RP_NAME: 'Example' }

const post = (app: FastifyInstance, url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers })
const bearer = (access: string) => ({ authorization: `Bearer ${access}` })

/** The server with helpers for one user's logins, second factors and `last_login`. */
function harness(get: () => TestServer) {
  const app = () => get().app
  const now = () => new Date(get().clock.now()).toISOString()

  const login = (username: string, path = '/api/token/') =>
    post(app(), path, { username, password: PASSWORD })

  /** The user's `last_login` as the admin API shows it (a staff user logged in for the read). */
  async function lastLogin(id: number): Promise<string | null> {
    const admin = await login('root')
    expect(admin.statusCode, admin.body).toBe(200)
    const res = await app().inject({
      method: 'GET',
      url: `/api/admin/users/${id}/`,
      headers: bearer((admin.json() as { access: string }).access),
    })
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { last_login: string | null }).last_login
  }

  async function access(username: string): Promise<string> {
    const res = await login(username)
    expect(res.statusCode, res.body).toBe(200)
    return (res.json() as { access: string }).access
  }

  /** A user with TOTP on (after one password login), the clock past the step used. */
  async function withTotp(username: string): Promise<{ id: number; secret: string }> {
    const id = await get().createUser({ username, password: PASSWORD })
    const token = await access(username)
    const setup = await post(app(), '/api/mfa/totp/setup/', {}, bearer(token))
    expect(setup.statusCode, setup.body).toBe(200)
    const { secret } = setup.json() as { secret: string }
    const code = totpCode(secret, get().clock.now())
    const confirmed = await post(app(), '/api/mfa/totp/confirm/', { code }, bearer(token))
    expect(confirmed.statusCode, confirmed.body).toBe(200)
    get().clock.advance(60)
    return { id, secret }
  }

  /** A user with a discoverable passkey (registered after one password login). */
  async function withPasskey(
    username: string,
  ): Promise<{ id: number; authenticator: SoftwareAuthenticator }> {
    const id = await get().createUser({ username, password: PASSWORD })
    const token = await access(username)
    const options = await post(app(), '/api/passkeys/register/options/', {}, bearer(token))
    expect(options.statusCode, options.body).toBe(200)
    const authenticator = new SoftwareAuthenticator({ rpId: 'example.com', origin: ORIGIN })
    const credential = authenticator.create(options.json() as { challenge: string; user: { id: string } })
    const res = await post(app(), '/api/passkeys/register/', { credential, name: 'Laptop' }, bearer(token))
    expect(res.statusCode, res.body).toBe(201)
    get().clock.advance(60)
    return { id, authenticator }
  }

  /** A passwordless login with the passkey. */
  async function passkeyLogin(authenticator: SoftwareAuthenticator) {
    const options = await post(app(), '/api/passkeys/login/options/', {})
    expect(options.statusCode, options.body).toBe(200)
    return post(app(), '/api/passkeys/login/', {
      credential: authenticator.get(options.json() as { challenge: string }),
    })
  }

  /** The password step of an account with a second factor: its `mfa_token`. */
  async function passwordStep(username: string, path = '/api/token/'): Promise<string> {
    const res = await login(username, path)
    expect(res.statusCode, res.body).toBe(401)
    expect(res.json()).toMatchObject({ code: 'mfa_required' })
    return (res.json() as { mfa_token: string }).mfa_token
  }

  return { app, now, login, lastLogin, access, withTotp, withPasskey, passkeyLogin, passwordStep }
}

/** A code the authenticator does not show now (the right one, its last digit changed). */
const wrongCode = (right: string) => right.slice(0, -1) + String((Number(right.at(-1)) + 5) % 10)

for (const backend of BACKENDS) {
  describe(`UPDATE_LAST_LOGIN on (${backend})`, () => {
    let server: TestServer
    const h = harness(() => server)

    beforeAll(async () => {
      server = await startTestServer(backend, { UPDATE_LAST_LOGIN: true, ...WEBAUTHN })
      await server.createUser({ username: 'root', password: PASSWORD, isStaff: true })
    })
    afterAll(async () => {
      await server?.dispose()
    })

    it('a password login writes last_login at the clock time, for a pair and for a sliding token', async () => {
      const id = await server.createUser({ username: 'paula', password: PASSWORD })
      expect(await h.lastLogin(id)).toBeNull()
      server.clock.advance(60)
      expect((await h.login('paula')).statusCode).toBe(200)
      expect(await h.lastLogin(id)).toBe(h.now())
      server.clock.advance(60)
      const sliding = await h.login('paula', '/api/token/sliding/')
      expect(sliding.statusCode, sliding.body).toBe(200)
      expect(await h.lastLogin(id)).toBe(h.now())
    })

    it('with TOTP: not at the password step, not on a wrong code; at the right code', async () => {
      const { id, secret } = await h.withTotp('tom')
      const before = await h.lastLogin(id)
      expect(before).not.toBeNull()
      expect(before).not.toBe(h.now())

      const mfaToken = await h.passwordStep('tom')
      expect(await h.lastLogin(id)).toBe(before)

      server.clock.advance(60)
      const right = totpCode(secret, server.clock.now())
      const wrong = await post(h.app(), '/api/token/mfa/', { mfa_token: mfaToken, code: wrongCode(right) })
      expect(wrong.statusCode, wrong.body).toBe(401)
      expect(wrong.json()).toMatchObject({ code: 'authentication_failed' })
      expect(await h.lastLogin(id)).toBe(before)

      server.clock.advance(60)
      const code = totpCode(secret, server.clock.now())
      const done = await post(h.app(), '/api/token/mfa/', { mfa_token: mfaToken, code })
      expect(done.statusCode, done.body).toBe(200)
      expect(Object.keys(done.json() as object).sort()).toEqual(['access', 'refresh'])
      expect(await h.lastLogin(id)).toBe(h.now())
    })

    it('with TOTP, a login for a sliding token: written by the second step, not the password', async () => {
      const { id, secret } = await h.withTotp('sally')
      const before = await h.lastLogin(id)
      const mfaToken = await h.passwordStep('sally', '/api/token/sliding/')
      expect(await h.lastLogin(id)).toBe(before)
      server.clock.advance(60)
      const done = await post(h.app(), '/api/token/mfa/', {
        mfa_token: mfaToken,
        code: totpCode(secret, server.clock.now()),
      })
      expect(done.statusCode, done.body).toBe(200)
      expect(Object.keys(done.json() as object)).toEqual(['token'])
      expect(await h.lastLogin(id)).toBe(h.now())
    })

    it('a login that never gets its second factor leaves last_login as it was', async () => {
      const { id } = await h.withTotp('nina')
      const before = await h.lastLogin(id)
      await h.passwordStep('nina')
      server.clock.advance(60)
      await h.passwordStep('nina', '/api/token/sliding/')
      expect(await h.lastLogin(id)).toBe(before)
    })

    it('a passkey login writes it', async () => {
      const { id, authenticator } = await h.withPasskey('pia')
      const registered = await h.lastLogin(id)
      expect(registered).not.toBeNull()
      expect(registered).not.toBe(h.now())

      const res = await h.passkeyLogin(authenticator)
      expect(res.statusCode, res.body).toBe(200)
      expect(await h.lastLogin(id)).toBe(h.now())
    })

    it('a passkey completing a password login writes it, the password step does not', async () => {
      // The passkey is a second factor of the account: the password alone is one step of two.
      const { id, authenticator } = await h.withPasskey('paco')
      const before = await h.lastLogin(id)
      expect(before).not.toBe(h.now())
      const mfaToken = await h.passwordStep('paco')
      expect(await h.lastLogin(id)).toBe(before)
      server.clock.advance(60)
      const options = await post(h.app(), '/api/passkeys/login/options/', { mfa_token: mfaToken })
      expect(options.statusCode, options.body).toBe(200)
      const assertion = authenticator.get(options.json() as { challenge: string }, { uv: false })
      const done = await post(h.app(), '/api/token/mfa/', { mfa_token: mfaToken, webauthn: assertion })
      expect(done.statusCode, done.body).toBe(200)
      expect(await h.lastLogin(id)).toBe(h.now())
    })

    it('a refresh and a password change issue tokens without writing it', async () => {
      const id = await server.createUser({ username: 'rita', password: PASSWORD })
      const pair = (await h.login('rita')).json() as { access: string; refresh: string }
      const loggedIn = h.now()
      expect(await h.lastLogin(id)).toBe(loggedIn)

      server.clock.advance(60)
      const refreshed = await post(h.app(), '/api/token/refresh/', { refresh: pair.refresh })
      expect(refreshed.statusCode, refreshed.body).toBe(200)
      expect(await h.lastLogin(id)).toBe(loggedIn)

      server.clock.advance(60)
      const changed = await post(
        h.app(),
        '/api/me/password/',
        { old_password: PASSWORD, new_password: 'Another-Password-43!' },
        bearer(pair.access),
      )
      expect(changed.statusCode, changed.body).toBe(200)
      expect(Object.keys(changed.json() as object).sort()).toEqual(['access', 'refresh'])
      expect(await h.lastLogin(id)).toBe(loggedIn)

      // A sliding token's refresh is no login either.
      const sid = await server.createUser({ username: 'sven', password: PASSWORD })
      const { token } = (await h.login('sven', '/api/token/sliding/')).json() as { token: string }
      const slid = h.now()
      server.clock.advance(60)
      const again = await post(h.app(), '/api/token/sliding/refresh/', { token })
      expect(again.statusCode, again.body).toBe(200)
      expect(await h.lastLogin(sid)).toBe(slid)
    })
  })

  describe(`UPDATE_LAST_LOGIN off (${backend})`, () => {
    let server: TestServer
    const h = harness(() => server)

    beforeAll(async () => {
      server = await startTestServer(backend, WEBAUTHN)
      expect(server.settings.UPDATE_LAST_LOGIN).toBe(false)
      await server.createUser({ username: 'root', password: PASSWORD, isStaff: true })
    })
    afterAll(async () => {
      await server?.dispose()
    })

    it('no login writes it: password (pair, sliding), second step, passkey', async () => {
      const id = await server.createUser({ username: 'olga', password: PASSWORD })
      expect((await h.login('olga')).statusCode).toBe(200)
      expect((await h.login('olga', '/api/token/sliding/')).statusCode).toBe(200)
      expect(await h.lastLogin(id)).toBeNull()

      const totp = await h.withTotp('otto')
      const mfaToken = await h.passwordStep('otto')
      const done = await post(h.app(), '/api/token/mfa/', {
        mfa_token: mfaToken,
        code: totpCode(totp.secret, server.clock.now()),
      })
      expect(done.statusCode, done.body).toBe(200)
      expect(await h.lastLogin(totp.id)).toBeNull()

      const passkey = await h.withPasskey('pete')
      expect((await h.passkeyLogin(passkey.authenticator)).statusCode).toBe(200)
      expect(await h.lastLogin(passkey.id)).toBeNull()
    })
  })
}
