/**
 * Passkeys over HTTP, on SQLite and PostgreSQL, with a software authenticator: registration,
 * listing, a passkey as the second step, a passwordless login with a discoverable credential,
 * user verification, signature counters, single-use challenges, origins, and deletion with
 * step-up.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SoftwareAuthenticator } from '../helpers/authenticator.js'
import { claimsOf } from '../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const PASSWORD = 'Passkey-Owner-42!'
const ORIGIN = 'https://app.example.com'

const post = (app: FastifyInstance, url: string, payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, payload, headers })
const bearer = (access: string) => ({ authorization: `Bearer ${access}` })

for (const backend of BACKENDS) {
  describe(`passkeys (${backend})`, () => {
    let server: TestServer
    let app: FastifyInstance

    beforeAll(async () => {
      server = await startTestServer(backend, {
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: [ORIGIN],
        WEBAUTHN_RP_NAME: 'Example',
      })
      app = server.app
    })
    afterAll(async () => {
      await server?.dispose()
    })

    const passwordLogin = (username: string) => post(app, '/api/token/', { username, password: PASSWORD })

    async function registered(username: string, backedUp = false) {
      await server.createUser({ username, password: PASSWORD })
      const { access } = (await passwordLogin(username)).json() as { access: string }
      const options = await post(app, '/api/passkeys/register/options/', {}, bearer(access))
      expect(options.statusCode, options.body).toBe(200)
      const authenticator = new SoftwareAuthenticator({ rpId: 'example.com', origin: ORIGIN, backedUp })
      const credential = authenticator.create(options.json() as { challenge: string; user: { id: string } })
      const res = await post(app, '/api/passkeys/register/', { credential, name: 'Laptop' }, bearer(access))
      expect(res.statusCode, res.body).toBe(201)
      return { authenticator, access, credential }
    }

    it('registers a discoverable passkey, lists it, and refuses a replayed registration', async () => {
      await server.createUser({ username: 'ada', password: PASSWORD })
      const { access } = (await passwordLogin('ada')).json() as { access: string }
      const options = await post(app, '/api/passkeys/register/options/', {}, bearer(access))
      const body = options.json() as {
        rp: unknown
        user: { name: string; id: string }
        attestation: string
        authenticatorSelection: unknown
        challenge: string
      }
      expect(body.rp).toEqual({ name: 'Example', id: 'example.com' })
      expect(body.user.name).toBe('ada')
      expect(body.user.id).not.toBe(String(claimsOf(access).user_id))
      expect(body.attestation).toBe('none')
      expect(body.authenticatorSelection).toMatchObject({
        residentKey: 'required',
        userVerification: 'preferred',
      })
      const authenticator = new SoftwareAuthenticator({ rpId: 'example.com', origin: ORIGIN })
      const credential = authenticator.create(body)
      const res = await post(app, '/api/passkeys/register/', { credential, name: 'Laptop' }, bearer(access))
      expect(res.statusCode, res.body).toBe(201)
      expect(res.json()).toMatchObject({
        id: authenticator.id,
        name: 'Laptop',
        backed_up: false,
        transports: ['internal'],
        last_used: null,
      })
      const list = await app.inject({ method: 'GET', url: '/api/passkeys/', headers: bearer(access) })
      expect((list.json() as { id: string }[]).map((p) => p.id)).toEqual([authenticator.id])
      // The challenge was used: the same response again is refused.
      const again = await post(app, '/api/passkeys/register/', { credential, name: 'Again' }, bearer(access))
      expect(again.statusCode).toBe(400)
      expect(again.json()).toEqual({ webauthn: ['The passkey could not be verified.'] })
      // A registration from another origin is refused.
      const next = (await post(app, '/api/passkeys/register/options/', {}, bearer(access))).json() as {
        challenge: string
        user: { id: string }
      }
      const elsewhere = new SoftwareAuthenticator({ rpId: 'example.com', origin: 'https://evil.example.net' })
      const bad = await post(
        app,
        '/api/passkeys/register/',
        { credential: elsewhere.create(next) },
        bearer(access),
      )
      expect(bad.statusCode).toBe(400)
      expect(
        (await post(app, '/api/passkeys/register/', { credential: { id: 1 } }, bearer(access))).statusCode,
      ).toBe(400)
    })

    it('a passkey completes the second step of a password login', async () => {
      const { authenticator } = await registered('bea')
      const res = await passwordLogin('bea')
      expect(res.statusCode).toBe(401)
      const { mfa_token: mfaToken, methods } = res.json() as { mfa_token: string; methods: string[] }
      expect(methods).toEqual(['webauthn'])
      const options = await post(app, '/api/passkeys/login/options/', { mfa_token: mfaToken })
      expect(options.statusCode).toBe(200)
      const opts = options.json() as { challenge: string; allowCredentials: { id: string }[]; rpId: string }
      expect(opts.rpId).toBe('example.com')
      expect(opts.allowCredentials.map((c) => c.id)).toEqual([authenticator.id])
      const assertion = authenticator.get(opts, { uv: false })
      const done = await post(app, '/api/token/mfa/', { mfa_token: mfaToken, webauthn: assertion })
      expect(done.statusCode, done.body).toBe(200)
      expect(claimsOf((done.json() as { access: string }).access).amr).toEqual(['pwd', 'hwk', 'mfa'])
      // The assertion's challenge is used: it does not open another login.
      const second = (await passwordLogin('bea')).json() as { mfa_token: string }
      const replay = await post(app, '/api/token/mfa/', { mfa_token: second.mfa_token, webauthn: assertion })
      expect(replay.statusCode).toBe(401)
      expect(replay.json()).toMatchObject({ code: 'authentication_failed' })
    })

    it('logs in with the passkey alone (discoverable, user verified); refuses no UV, old counters and other origins', async () => {
      const { authenticator } = await registered('cleo', true)
      const options = async () => {
        const res = await post(app, '/api/passkeys/login/options/', {})
        expect(res.statusCode).toBe(200)
        const body = res.json() as {
          challenge: string
          allowCredentials?: unknown[]
          userVerification: string
        }
        expect(body.allowCredentials ?? []).toEqual([])
        expect(body.userVerification).toBe('required')
        return body
      }
      const ok = await post(app, '/api/passkeys/login/', { credential: authenticator.get(await options()) })
      expect(ok.statusCode, ok.body).toBe(200)
      const pair = ok.json() as { access: string; refresh: string }
      expect(claimsOf(pair.access).amr).toEqual(['swk', 'user', 'mfa'])
      expect(claimsOf(pair.access).auth_time).toBe(Math.floor(server.clock.now() / 1000))

      const noUv = await post(app, '/api/passkeys/login/', {
        credential: authenticator.get(await options(), { uv: false }),
      })
      expect(noUv.statusCode).toBe(400)
      // A cloned key: a counter that did not grow past the one last seen.
      const cloned = await post(app, '/api/passkeys/login/', {
        credential: authenticator.get(await options(), { counter: 1 }),
      })
      expect(cloned.statusCode).toBe(400)
      const wrongOrigin = await post(app, '/api/passkeys/login/', {
        credential: authenticator.get(await options(), { origin: 'https://evil.example.net', counter: 50 }),
      })
      expect(wrongOrigin.statusCode).toBe(400)
      const later = await post(app, '/api/passkeys/login/', {
        credential: authenticator.get(await options(), { counter: 60 }),
      })
      expect(later.statusCode, later.body).toBe(200)
      await server.stores.audit.drain()
      const failures = await server.stores.db
        .selectFrom('audit_events')
        .select('event')
        .where('event', '=', 'passkey_login_failed')
        .execute()
      expect(failures.length).toBeGreaterThanOrEqual(3)
    })

    it('cookie mode: a passkey login sets the refresh cookie', async () => {
      const { authenticator } = await registered('dora')
      const opts = (await post(app, '/api/passkeys/login/options/', {})).json() as { challenge: string }
      const res = await post(
        app,
        '/api/passkeys/login/',
        { credential: authenticator.get(opts) },
        { 'x-auth-transport': 'cookie' },
      )
      expect(res.statusCode, res.body).toBe(200)
      expect(Object.keys(res.json() as object)).toEqual(['access'])
      expect(([] as string[]).concat(res.headers['set-cookie'] ?? []).some((c) => /HttpOnly/.test(c))).toBe(
        true,
      )
    })

    it('deleting a passkey needs a recent login', async () => {
      const { authenticator } = await registered('edna')
      const opts = (await post(app, '/api/passkeys/login/options/', {})).json() as { challenge: string }
      const pair = (
        await post(app, '/api/passkeys/login/', { credential: authenticator.get(opts) })
      ).json() as {
        refresh: string
        access: string
      }
      server.clock.advance(301)
      const { access } = (await post(app, '/api/token/refresh/', { refresh: pair.refresh })).json() as {
        access: string
      }
      const url = `/api/passkeys/${authenticator.id}/`
      const stale = await app.inject({ method: 'DELETE', url, headers: bearer(access) })
      expect(stale.statusCode).toBe(403)
      expect(stale.json()).toMatchObject({ code: 'reauthentication_required' })
      const fresh = (
        await post(app, '/api/passkeys/login/', {
          credential: authenticator.get(
            (await post(app, '/api/passkeys/login/options/', {})).json() as { challenge: string },
          ),
        })
      ).json() as { access: string }
      expect((await app.inject({ method: 'DELETE', url, headers: bearer(fresh.access) })).statusCode).toBe(
        204,
      )
      expect((await app.inject({ method: 'DELETE', url, headers: bearer(fresh.access) })).statusCode).toBe(
        404,
      )
      const list = await app.inject({ method: 'GET', url: '/api/passkeys/', headers: bearer(fresh.access) })
      expect(list.json()).toEqual([])
      expect((await passwordLogin('edna')).statusCode).toBe(200)
    })
  })
}
