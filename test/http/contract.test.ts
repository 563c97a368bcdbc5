/**
 * The simplejwt wire contract (shared/contract/README.md rows 1-13), on every backend. Each case
 * asserts status, the whole body and the headers that matter. Deliberate differences are marked
 * "compat:" and listed in docs/compat.md.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf, headerOf, tamper } from '../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../helpers/server.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const CHALLENGE = 'Bearer realm="api"'
const ALICE = { username: 'alice', password: 'Wonderland-42!' }

function expectJson(res: LightMyRequestResponse, status: number, body: unknown): void {
  expect({ status: res.statusCode, body: res.json() }).toEqual({ status, body })
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  if (status === 401) expect(res.headers['www-authenticate']).toBe(CHALLENGE)
  else expect(res.headers['www-authenticate']).toBeUndefined()
}

const post = (app: FastifyInstance, url: string, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url, headers: { ...JSON_TYPE, ...headers }, payload: JSON.stringify(body) })

const get = (app: FastifyInstance, url: string, authorization?: string) =>
  app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } })

for (const backend of BACKENDS) {
  describe(`simplejwt contract on ${backend}`, () => {
    let server: TestServer
    let app: FastifyInstance
    const login = async (credentials = ALICE) => {
      const res = await post(app, '/api/token/', credentials)
      expect(res.statusCode).toBe(200)
      return res.json() as { access: string; refresh: string }
    }

    beforeAll(async () => {
      // simplejwt's exact semantics: no grace window for a repeated refresh (test/http/hardening.test.ts
      // covers the default REFRESH_REUSE_INTERVAL).
      server = await startTestServer(backend, { REFRESH_REUSE_INTERVAL: 0 })
      app = server.app
      await server.createUser({ ...ALICE, email: 'alice@example.com', groups: ['staff'] })
    })
    afterAll(async () => server.dispose())

    describe('obtain (rows 1-2f)', () => {
      it('1: answers a pair with simplejwt claims in simplejwt order', async () => {
        const res = await post(app, '/api/token/', ALICE)
        expectJson(res, 200, { refresh: expect.any(String), access: expect.any(String) })
        const body = res.json()
        expect(Object.keys(body)).toEqual(['refresh', 'access'])
        expect(res.headers['x-content-type-options']).toBe('nosniff')
        expect(res.headers['referrer-policy']).toBe('same-origin')
        // simplejwt's header plus `kid` (DESIGN.md: every key, HMAC too; PyJWT ignores it).
        expect(Object.entries(headerOf(body.access))).toEqual([
          ['alg', 'HS256'],
          ['typ', 'JWT'],
          ['kid', expect.any(String)],
        ])
        const access = claimsOf(body.access)
        const refresh = claimsOf(body.refresh)
        // simplejwt's claims in its order, the claims hook's, how the session logged in (amr,
        // auth_time: docs/mfa.md), then the session id (SESSION_ID_CLAIM, docs/compat.md).
        expect(Object.keys(access)).toEqual([
          'token_type',
          'exp',
          'iat',
          'jti',
          'user_id',
          'email',
          'email_verified',
          'roles',
          'amr',
          'auth_time',
          'sid',
        ])
        expect(access.amr).toEqual(['pwd'])
        expect(access.auth_time).toBe(access.iat)
        expect(access).toMatchObject({
          token_type: 'access',
          email: 'alice@example.com',
          email_verified: false,
          roles: ['staff'],
        })
        expect(access.jti).toMatch(/^[0-9a-f]{32}$/)
        expect((access.exp as number) - (access.iat as number)).toBe(300)
        expect(refresh).toMatchObject({ token_type: 'refresh', user_id: access.user_id })
        expect((refresh.exp as number) - (refresh.iat as number)).toBe(86_400)
        expect(refresh.jti).not.toBe(access.jti)
      })

      it('2: wrong password, unknown user and inactive user get one answer', async () => {
        await server.createUser({ username: 'sleepy', password: 'Sleepy-Pass-77', isActive: false })
        const expected = { detail: 'No active account found with the given credentials' }
        for (const credentials of [
          { username: 'alice', password: 'nope' },
          { username: 'nobody-here', password: 'Wonderland-42!' },
          { username: 'sleepy', password: 'Sleepy-Pass-77' },
        ]) {
          expectJson(await post(app, '/api/token/', credentials), 401, expected)
        }
      })

      it('2b/2c: missing fields are DRF field errors', async () => {
        expectJson(await post(app, '/api/token/', {}), 400, {
          username: ['This field is required.'],
          password: ['This field is required.'],
        })
        expectJson(await post(app, '/api/token/', { email: 'alice@example.com', password: 'x' }), 400, {
          username: ['This field is required.'],
        })
        expectJson(await post(app, '/api/token/', { username: '', password: '' }), 400, {
          username: ['This field may not be blank.'],
          password: ['This field may not be blank.'],
        })
      })

      it('2d: malformed JSON is a 400 parse error (compat: parser wording differs)', async () => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/token/',
          headers: JSON_TYPE,
          payload: '{"username":',
        })
        expect(res.statusCode).toBe(400)
        expect(res.json().detail).toMatch(/^JSON parse error - /)
      })

      it('2e: a form-encoded body is 415 with DRF text', async () => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/token/',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: 'username=alice&password=x',
        })
        expectJson(res, 415, {
          detail: 'Unsupported media type "application/x-www-form-urlencoded" in request.',
        })
      })

      it('2f: GET on a POST endpoint is a JSON 405 with Allow', async () => {
        const res = await get(app, '/api/token/')
        expectJson(res, 405, { detail: 'Method "GET" not allowed.' })
        expect(res.headers.allow).toBe('POST, OPTIONS')
      })
    })

    describe('refresh (rows 3-4d)', () => {
      it('3/4: rotates, and the rotated-out token is blacklisted', async () => {
        const pair = await login()
        const res = await post(app, '/api/token/refresh/', { refresh: pair.refresh })
        expectJson(res, 200, { access: expect.any(String), refresh: expect.any(String) })
        expect(Object.keys(res.json())).toEqual(['access', 'refresh'])
        const fresh = res.json()
        expect(claimsOf(fresh.refresh).jti).not.toBe(claimsOf(pair.refresh).jti)
        expect(claimsOf(fresh.access).token_type).toBe('access')
        expectJson(await post(app, '/api/token/refresh/', { refresh: pair.refresh }), 401, {
          detail: 'Token is blacklisted',
          code: 'token_not_valid',
        })
        // compat: the replay after REFRESH_REUSE_INTERVAL is theft, so the token it was rotated into
        // is blacklisted with its session (simplejwt leaves it usable).
        expectJson(await post(app, '/api/token/refresh/', { refresh: fresh.refresh }), 401, {
          detail: 'Token is blacklisted',
          code: 'token_not_valid',
        })
      })

      it('4b: an access token has the wrong type', async () => {
        const pair = await login()
        expectJson(await post(app, '/api/token/refresh/', { refresh: pair.access }), 401, {
          detail: 'Token has wrong type',
          code: 'token_not_valid',
        })
      })

      it('4c: garbage, tampered and expired tokens are invalid or expired', async () => {
        const pair = await login()
        const invalid = { detail: 'Token is invalid or expired', code: 'token_not_valid' }
        expectJson(await post(app, '/api/token/refresh/', { refresh: 'garbage' }), 401, invalid)
        expectJson(
          await post(app, '/api/token/refresh/', { refresh: tamper(pair.refresh, { user_id: 999 }) }),
          401,
          invalid,
        )
        server.clock.advance(86_401)
        try {
          expectJson(await post(app, '/api/token/refresh/', { refresh: pair.refresh }), 401, invalid)
        } finally {
          server.clock.advance(-86_401)
        }
      })

      it('4d: a missing field is a field error', async () => {
        expectJson(await post(app, '/api/token/refresh/', {}), 400, { refresh: ['This field is required.'] })
      })

      it('exactly one of 20 concurrent refreshes of one token wins', async () => {
        const pair = await login()
        const results = await Promise.all(
          Array.from({ length: 20 }, () => post(app, '/api/token/refresh/', { refresh: pair.refresh })),
        )
        const codes = results.map((res) => res.statusCode).sort()
        expect(codes.filter((code) => code === 200)).toHaveLength(1)
        expect(codes.filter((code) => code === 401)).toHaveLength(19)
        for (const res of results.filter((r) => r.statusCode === 401)) {
          expect(res.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' })
        }
      })
    })

    describe('verify (rows 5-6d)', () => {
      it('5: access and refresh tokens verify', async () => {
        const pair = await login()
        expectJson(await post(app, '/api/token/verify/', { token: pair.access }), 200, {})
        expectJson(await post(app, '/api/token/verify/', { token: pair.refresh }), 200, {})
      })

      it('6/6b: tampered and expired tokens do not', async () => {
        const pair = await login()
        const invalid = { detail: 'Token is invalid or expired', code: 'token_not_valid' }
        expectJson(
          await post(app, '/api/token/verify/', { token: tamper(pair.access, { user_id: 2 }) }),
          401,
          invalid,
        )
        server.clock.advance(301)
        try {
          expectJson(await post(app, '/api/token/verify/', { token: pair.access }), 401, invalid)
        } finally {
          server.clock.advance(-301)
        }
      })

      it('6c: a blacklisted refresh token is 401 token_not_valid (compat: simplejwt says 400)', async () => {
        const pair = await login()
        expect((await post(app, '/api/token/blacklist/', { refresh: pair.refresh })).statusCode).toBe(200)
        expectJson(await post(app, '/api/token/verify/', { token: pair.refresh }), 401, {
          detail: 'Token is blacklisted',
          code: 'token_not_valid',
        })
      })

      it('6d: a missing field is a field error', async () => {
        expectJson(await post(app, '/api/token/verify/', {}), 400, { token: ['This field is required.'] })
      })
    })

    describe('protected route (rows 7-9e)', () => {
      const notProvided = { detail: 'Authentication credentials were not provided.' }
      const accessMessage = (message: string) => ({
        detail: 'Given token not valid for any token type',
        code: 'token_not_valid',
        messages: [{ token_class: 'AccessToken', token_type: 'access', message }],
      })

      it('7/7b: no header or an unknown or lowercase scheme is "not provided"', async () => {
        const pair = await login()
        expectJson(await get(app, '/api/hello/'), 401, notProvided)
        expectJson(await get(app, '/api/hello/', `Token ${pair.access}`), 401, notProvided)
        expectJson(await get(app, '/api/hello/', `bearer ${pair.access}`), 401, notProvided)
      })

      it('7c: a scheme without exactly one token is a bad header', async () => {
        const bad = {
          detail: 'Authorization header must contain two space-delimited values',
          code: 'bad_authorization_header',
        }
        expectJson(await get(app, '/api/hello/', 'Bearer'), 401, bad)
        expectJson(await get(app, '/api/hello/', 'Bearer a b'), 401, bad)
      })

      it('7d: Bearer and JWT schemes both work', async () => {
        const pair = await login()
        expectJson(await get(app, '/api/hello/', `Bearer ${pair.access}`), 200, { message: 'Hello, World!' })
        expectJson(await get(app, '/api/hello/', `JWT ${pair.access}`), 200, { message: 'Hello, World!' })
      })

      it('8/8b: expired, tampered and garbage tokens', async () => {
        const pair = await login()
        const invalid = accessMessage('Token is invalid or expired')
        expectJson(
          await get(app, '/api/hello/', `Bearer ${tamper(pair.access, { user_id: 5 })}`),
          401,
          invalid,
        )
        expectJson(await get(app, '/api/hello/', 'Bearer not.a.token'), 401, invalid)
        expectJson(await get(app, '/api/hello/', `Bearer ${pair.access}`), 200, { message: 'Hello, World!' })
        server.clock.advance(301)
        try {
          // The same token was verified (and cached) a moment ago: expiry still applies.
          expectJson(await get(app, '/api/hello/', `Bearer ${pair.access}`), 401, invalid)
        } finally {
          server.clock.advance(-301)
        }
      })

      it('9: a refresh token as Bearer has the wrong type', async () => {
        const pair = await login()
        expectJson(
          await get(app, '/api/hello/', `Bearer ${pair.refresh}`),
          401,
          accessMessage('Token has wrong type'),
        )
      })

      it('9b/9c/12: inactive and deleted users are refused (compat 12: simplejwt refreshes them)', async () => {
        await server.createUser({ username: 'bob', password: 'Bob-Password-1' })
        await server.createUser({ username: 'carol', password: 'Carol-Password-1' })
        const bob = await login({ username: 'bob', password: 'Bob-Password-1' })
        const carol = await login({ username: 'carol', password: 'Carol-Password-1' })
        expect((await get(app, '/api/hello/', `Bearer ${bob.access}`)).statusCode).toBe(200)
        const bobId = claimsOf(bob.access).user_id as number
        const carolId = claimsOf(carol.access).user_id as number
        await server.accounts.setActive(bobId, false)
        await server.accounts.deleteUser(carolId)
        expectJson(await get(app, '/api/hello/', `Bearer ${bob.access}`), 401, {
          detail: 'User is inactive',
          code: 'user_inactive',
        })
        expectJson(await get(app, '/api/hello/', `Bearer ${carol.access}`), 401, {
          detail: 'User not found',
          code: 'user_not_found',
        })
        // Refresh tokens of inactive and deleted users are refused too (simplejwt 5.2.2 refreshes them).
        const noAccount = {
          detail: 'No active account found for the given token.',
          code: 'no_active_account',
        }
        expectJson(await post(app, '/api/token/refresh/', { refresh: bob.refresh }), 401, noAccount)
        expectJson(await post(app, '/api/token/refresh/', { refresh: carol.refresh }), 401, noAccount)
      })

      it("12: refresh re-reads the user, even one deactivated behind Tessera's back", async () => {
        await server.createUser({ username: 'dan', password: 'Dan-Password-1' })
        const dan = await login({ username: 'dan', password: 'Dan-Password-1' })
        const danId = claimsOf(dan.access).user_id as number
        // An operator edits the row directly: no revocation is written.
        await server.stores.users.update(danId, { isActive: false })
        const noAccount = {
          detail: 'No active account found for the given token.',
          code: 'no_active_account',
        }
        expectJson(await post(app, '/api/token/refresh/', { refresh: dan.refresh }), 401, noAccount)
      })

      it('9d: POST on a GET route is 401 anonymous, 405 authenticated', async () => {
        const pair = await login()
        expectJson(await app.inject({ method: 'POST', url: '/api/hello/' }), 401, notProvided)
        const res = await app.inject({
          method: 'POST',
          url: '/api/hello/',
          headers: { authorization: `Bearer ${pair.access}` },
        })
        expectJson(res, 405, { detail: 'Method "POST" not allowed.' })
      })

      it('9e: /me shows the current user', async () => {
        const pair = await login()
        const res = await get(app, '/api/me/', `Bearer ${pair.access}`)
        expectJson(res, 200, {
          id: claimsOf(pair.access).user_id,
          username: 'alice',
          email: 'alice@example.com',
          date_joined: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/),
          last_login: null,
        })
        expect(Object.keys(res.json())).toEqual(['id', 'username', 'email', 'date_joined', 'last_login'])
        expectJson(await get(app, '/api/me/'), 401, notProvided)
      })
    })

    describe('blacklist (rows 10-10e)', () => {
      it('10/10b/10e: logout blacklists the refresh token and ends its session, access tokens included', async () => {
        const pair = await login()
        const other = await login()
        expectJson(await post(app, '/api/token/blacklist/', { refresh: pair.refresh }), 200, {})
        const blacklisted = { detail: 'Token is blacklisted', code: 'token_not_valid' }
        expectJson(await post(app, '/api/token/blacklist/', { refresh: pair.refresh }), 401, blacklisted)
        expectJson(await post(app, '/api/token/refresh/', { refresh: pair.refresh }), 401, blacklisted)
        // simplejwt lets the access token live on (row 10e); Tessera ends the session (docs/compat.md).
        expect((await get(app, '/api/hello/', `Bearer ${pair.access}`)).statusCode).toBe(401)
        expectJson(await get(app, '/api/hello/', `Bearer ${other.access}`), 200, { message: 'Hello, World!' })
      })

      it('10c/10d: access tokens and missing fields', async () => {
        const pair = await login()
        expectJson(await post(app, '/api/token/blacklist/', { refresh: pair.access }), 401, {
          detail: 'Token has wrong type',
          code: 'token_not_valid',
        })
        expectJson(await post(app, '/api/token/blacklist/', {}), 400, {
          refresh: ['This field is required.'],
        })
      })
    })

    describe('register (rows 11-11f)', () => {
      it('11: creates the user (201 with id) who can then log in', async () => {
        const res = await post(app, '/api/register/', {
          username: 'bob1',
          email: 'bob1@example.com',
          password: 'Correct-Horse-9',
        })
        expectJson(res, 201, { id: expect.any(Number), username: 'bob1', email: 'bob1@example.com' })
        expect(Object.keys(res.json())).toEqual(['id', 'username', 'email'])
        await login({ username: 'bob1', password: 'Correct-Horse-9' })
      })

      it('11a: duplicate username and email', async () => {
        // simplejwt's reference also says "This field must be unique." for the e-mail; Tessera
        // does not tell who has an account (issue 20, docs/compat.md): only the username is named.
        expectJson(
          await post(app, '/api/register/', {
            username: 'alice',
            email: 'ALICE@example.com',
            password: 'Correct-Horse-9',
          }),
          400,
          { username: ['A user with that username already exists.'] },
        )
      })

      it('11b/11c/11d: password validators and field validators', async () => {
        expectJson(
          await post(app, '/api/register/', {
            username: 'dave',
            email: 'dave@example.com',
            password: '1234',
          }),
          400,
          {
            password: [
              'This password is too short. It must contain at least 8 characters.',
              'This password is too common.',
              'This password is entirely numeric.',
            ],
          },
        )
        expectJson(
          await post(app, '/api/register/', {
            username: 'carolinexyz',
            email: 'cx@example.com',
            password: 'carolinexyz1',
          }),
          400,
          { password: ['The password is too similar to the username.'] },
        )
        expectJson(
          await post(app, '/api/register/', {
            username: 'bad name!',
            email: 'not-an-email',
            password: 'password',
          }),
          400,
          {
            username: [
              'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
            ],
            email: ['Enter a valid email address.'],
            password: ['This password is too common.'],
          },
        )
      })

      it('11e/11f: missing and blank fields', async () => {
        const required = ['This field is required.']
        expectJson(await post(app, '/api/register/', {}), 400, {
          username: required,
          email: required,
          password: required,
        })
        const blank = ['This field may not be blank.']
        expectJson(await post(app, '/api/register/', { username: '', email: '', password: '' }), 400, {
          username: blank,
          email: blank,
          password: blank,
        })
      })
    })

    describe('paths (row 13, replaced)', () => {
      it('unknown paths are JSON 404s', async () => {
        expectJson(await get(app, '/api/nope/'), 404, { detail: 'Not found.' })
      })

      it('a missing trailing slash is served, never redirected', async () => {
        expectJson(await post(app, '/api/token', ALICE), 200, {
          refresh: expect.any(String),
          access: expect.any(String),
        })
        const pair = await login()
        expectJson(await get(app, '/api/hello', `Bearer ${pair.access}`), 200, { message: 'Hello, World!' })
      })
    })
  })
}

describe('simplejwt contract with rotation off', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      ROTATE_REFRESH_TOKENS: false,
      BLACKLIST_AFTER_ROTATION: false,
    })
    await server.createUser({ ...ALICE, groups: ['staff'] })
  })
  afterAll(async () => server.dispose())

  it('3/4 (rotate off): refresh answers only an access token, and the refresh token stays usable', async () => {
    const pair = (await post(server.app, '/api/token/', ALICE)).json()
    for (let i = 0; i < 2; i++) {
      const res = await post(server.app, '/api/token/refresh/', { refresh: pair.refresh })
      expectJson(res, 200, { access: expect.any(String) })
    }
  })
})
