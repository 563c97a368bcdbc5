/**
 * Issue 5: revocation that reaches access tokens, token families and theft detection, the
 * sessions API, password change, audit events, and revocation across instances.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf } from '../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'
import { REDIS_URL } from '../store/backends.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function login(app: FastifyInstance, credentials = ALICE, userAgent = 'vitest') {
  const res = await app.inject({
    method: 'POST',
    url: '/api/token/',
    payload: credentials,
    headers: { 'user-agent': userAgent },
  })
  expect(res.statusCode).toBe(200)
  return res.json() as { access: string; refresh: string }
}

const refresh = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'POST', url: '/api/token/refresh/', payload: { refresh: token } })
const hello = (app: FastifyInstance, access: string) =>
  app.inject({ method: 'GET', url: '/api/hello/', headers: bearer(access) })

const REVOKED = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token has been revoked' }],
}

for (const backend of BACKENDS) {
  describe(`hardening on ${backend}`, () => {
    let server: TestServer
    let app: FastifyInstance
    beforeAll(async () => {
      server = await startTestServer(backend)
      app = server.app
      await server.createUser(ALICE)
    })
    afterAll(async () => server.dispose())

    it('logout-all voids access tokens issued before it on the next request, and every refresh token', async () => {
      const first = await login(app)
      const second = await login(app)
      expect((await hello(app, first.access)).statusCode).toBe(200)
      const res = await app.inject({ method: 'POST', url: '/api/logout/all/', headers: bearer(first.access) })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({})
      for (const pair of [first, second]) {
        const refused = await hello(app, pair.access)
        expect(refused.statusCode).toBe(401)
        expect(refused.json()).toEqual(REVOKED)
        expect((await refresh(app, pair.refresh)).statusCode).toBe(401)
      }
      // A new login right away works.
      const fresh = await login(app)
      expect((await hello(app, fresh.access)).statusCode).toBe(200)
      expect((await refresh(app, fresh.refresh)).statusCode).toBe(200)
    })

    it('refresh signs the claims of the user as the database has them now, and refuses a deactivated user', async () => {
      const bob = { username: 'bob-claims', password: 'Bob-Claims-Password-7' }
      const id = await server.createUser(bob)
      const pair = await login(app, bob)
      expect(claimsOf(pair.access).roles).toEqual([])
      // Changed behind Tessera's back (no revocation): the next refresh reads them.
      await server.stores.users.setGroups(id, ['support', 'billing'])
      const next = (await refresh(app, pair.refresh)).json()
      for (const token of [next.access, next.refresh]) {
        expect(claimsOf(token)).toMatchObject({ user_id: id, roles: ['billing', 'support'] })
      }
      expect(claimsOf(next.refresh).iat).toBeGreaterThanOrEqual(claimsOf(pair.refresh).iat as number)
      expect((await hello(app, next.access)).statusCode).toBe(200)
      await server.stores.users.update(id, { isActive: false })
      const refused = await refresh(app, next.refresh)
      expect(refused.statusCode).toBe(401)
      expect(refused.json()).toEqual({
        detail: 'No active account found for the given token.',
        code: 'no_active_account',
      })
      // Refused without being consumed: once reactivated, the same token still refreshes.
      await server.stores.users.update(id, { isActive: true })
      expect((await refresh(app, next.refresh)).statusCode).toBe(200)
    })

    it('a reuse after REFRESH_REUSE_INTERVAL is theft: the family is revoked, access tokens die, it is audited', async () => {
      // A user of its own: the clock is wound back afterwards, and the theft's cut-off stays ahead.
      const theo = { username: 'theo', password: 'Theo-Password-77' }
      await server.createUser(theo)
      const pair = await login(app, theo)
      const next = (await refresh(app, pair.refresh)).json()
      // The clock stays 11 s ahead: turned back, it would leave the theft's cut-off in the future,
      // and tokens issued after it (stamped with it) would carry a future `iat`, which is refused.
      server.clock.advance(11)
      const replay = await refresh(app, pair.refresh)
      expect(replay.statusCode).toBe(401)
      expect(replay.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' })
      expect((await refresh(app, next.refresh)).statusCode).toBe(401)
      expect((await hello(app, next.access)).json()).toEqual(REVOKED)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const events = await server.stores.audit.recent(20)
      const theft = events.find((event) => event.event === 'refresh_reuse_detected')
      expect(theft).toBeDefined()
      expect(theft?.userId).toBe(claimsOf(pair.access).user_id)
      expect(theft?.detail).toMatchObject({ family: claimsOf(pair.refresh).jti })
    })

    it('sessions lists one entry per login with its device, and deleting one ends only it', async () => {
      await server.accounts.revokeAll((await server.stores.users.findByUsername('alice'))?.id ?? 0)
      const firefox = await login(
        app,
        ALICE,
        'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      )
      const iphone = await login(
        app,
        ALICE,
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      )
      const list = await app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer(firefox.access) })
      expect(list.statusCode).toBe(200)
      const sessions = list.json() as {
        id: string
        device: string
        ip: string
        created: string
        last_used: string
      }[]
      // Both logins fall in the same second, so their order is not asserted.
      expect(sessions.map((session) => session.device).sort()).toEqual(['Firefox on Linux', 'Safari on iOS'])
      expect(sessions.find((session) => session.device === 'Safari on iOS')).toMatchObject({
        id: claimsOf(iphone.refresh).jti,
        ip: '127.0.0.1',
      })
      const removed = await app.inject({
        method: 'DELETE',
        url: `/api/sessions/${claimsOf(iphone.refresh).jti}/`,
        headers: bearer(firefox.access),
      })
      expect(removed.statusCode).toBe(204)
      expect(removed.body).toBe('')
      expect((await refresh(app, iphone.refresh)).statusCode).toBe(401)
      expect((await refresh(app, firefox.refresh)).statusCode).toBe(200)
      const unknown = await app.inject({
        method: 'DELETE',
        url: `/api/sessions/${'0'.repeat(32)}/`,
        headers: bearer(firefox.access),
      })
      expect(unknown.statusCode).toBe(404)
      const garbage = await app.inject({
        method: 'DELETE',
        url: '/api/sessions/../../etc/',
        headers: bearer(firefox.access),
      })
      expect(garbage.statusCode).toBe(404)
    })

    it("a user cannot end another user's session", async () => {
      await server.createUser({ username: 'mallory', password: 'Mallory-Pass-1' })
      const mallory = await login(app, { username: 'mallory', password: 'Mallory-Pass-1' })
      const victim = await login(app)
      const res = await app.inject({
        method: 'DELETE',
        url: `/api/sessions/${claimsOf(victim.refresh).jti}/`,
        headers: bearer(mallory.access),
      })
      expect(res.statusCode).toBe(404)
      expect((await refresh(app, victim.refresh)).statusCode).toBe(200)
    })

    it('password change checks the old password and validators, ends other sessions, answers a fresh pair', async () => {
      await server.createUser({ username: 'paula', password: 'Paula-Pass-123' })
      const other = await login(app, { username: 'paula', password: 'Paula-Pass-123' })
      const current = await login(app, { username: 'paula', password: 'Paula-Pass-123' })
      const change = (body: object) =>
        app.inject({
          method: 'POST',
          url: '/api/me/password/',
          headers: bearer(current.access),
          payload: body,
        })
      const wrong = await change({ old_password: 'nope', new_password: 'Brand-New-Pass-9' })
      expect(wrong.statusCode).toBe(400)
      expect(wrong.json()).toEqual({
        old_password: ['Your old password was entered incorrectly. Please enter it again.'],
      })
      const weak = await change({ old_password: 'Paula-Pass-123', new_password: 'paula123' })
      expect(weak.statusCode).toBe(400)
      expect(weak.json().new_password).toContain('The password is too similar to the username.')
      const missing = await change({})
      expect(missing.json()).toEqual({
        old_password: ['This field is required.'],
        new_password: ['This field is required.'],
      })
      const ok = await change({ old_password: 'Paula-Pass-123', new_password: 'Brand-New-Pass-9' })
      expect(ok.statusCode).toBe(200)
      const pair = ok.json()
      expect(Object.keys(pair)).toEqual(['refresh', 'access'])
      expect((await hello(app, pair.access)).statusCode).toBe(200)
      expect((await hello(app, other.access)).statusCode).toBe(401)
      expect((await hello(app, current.access)).statusCode).toBe(401)
      expect((await refresh(app, other.refresh)).statusCode).toBe(401)
      expect((await refresh(app, pair.refresh)).statusCode).toBe(200)
      const relogin = await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'paula', password: 'Brand-New-Pass-9' },
      })
      expect(relogin.statusCode).toBe(200)
    })

    it('audits logins, failures and registrations without secrets', async () => {
      await app.inject({
        method: 'POST',
        url: '/api/token/',
        payload: { username: 'alice', password: 'wrong-secret-pw' },
      })
      await app.inject({
        method: 'POST',
        url: '/api/register/',
        payload: { username: 'newbie', email: 'newbie@example.com', password: 'Newbie-Pass-42' },
      })
      await new Promise((resolve) => setTimeout(resolve, 50))
      const events = await server.stores.audit.recent(100)
      const names = events.map((event) => event.event)
      expect(names).toEqual(
        expect.arrayContaining(['login_succeeded', 'login_failed', 'register', 'logout_all']),
      )
      const failed = events.find((event) => event.event === 'login_failed')
      expect(failed?.detail).toEqual({ login: 'alice' })
      expect(failed?.ip).toBe('127.0.0.1')
      const serialized = JSON.stringify(events)
      expect(serialized).not.toContain('wrong-secret-pw')
      expect(serialized).not.toContain('Newbie-Pass-42')
      expect(serialized).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./)
    })
  })
}

describe('revocation across instances', () => {
  for (const [name, redis] of [
    ['through Redis pub/sub', true],
    ['by polling the database', false],
  ] as const) {
    it(`a logout-all on one instance is honoured by another within a second (${name})`, async () => {
      const overrides = redis ? { REDIS_URL } : { REVOCATION_POLL_INTERVAL: 1 }
      const a = await startTestServer('postgres', overrides)
      const b = await startTestServer('postgres', {
        ...overrides,
        DATABASE_URL: a.databaseUrl,
        REDIS_PREFIX: a.redisPrefix,
      })
      try {
        // Both clocks are real-time here: the revocation is judged against wall time on both.
        b.clock.set(a.clock.now())
        await a.createUser(ALICE)
        const pair = await login(a.app)
        expect((await hello(b.app, pair.access)).statusCode).toBe(200)
        const started = Date.now()
        expect(
          (await a.app.inject({ method: 'POST', url: '/api/logout/all/', headers: bearer(pair.access) }))
            .statusCode,
        ).toBe(200)
        let refusedAfter = -1
        while (Date.now() - started < 1000) {
          if ((await hello(b.app, pair.access)).statusCode === 401) {
            refusedAfter = Date.now() - started
            break
          }
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        expect(refusedAfter).toBeGreaterThanOrEqual(0)
        expect((await hello(b.app, pair.access)).json()).toEqual(REVOKED)
      } finally {
        await b.dispose()
        await a.dispose()
      }
    })
  }
})
