/**
 * Real answers validate against the OpenAPI document: the contract's cases (shared/contract rows
 * 1-12: login, refresh, verify, blacklist, register, me and their errors) and every other
 * endpoint, each body checked with Ajv (2020-12 dialect) against the schema of its status and
 * media type. An answer whose status is not documented fails too.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashClientSecret } from '../../../src/accounts/clients.js'
import { tamper } from '../../helpers/jwt.js'
import { BACKENDS, startTestServer, type TestServer } from '../../helpers/server.js'
import { type OpenApi, ResponseValidator } from './helpers.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const BOB = { username: 'bob1', email: 'bob1@example.com', password: 'Correct-Horse-9' }
const JSON_TYPE = { 'content-type': 'application/json' }
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

for (const backend of BACKENDS) {
  describe(`answers validate against the document on ${backend}`, () => {
    let server: TestServer
    let app: FastifyInstance
    let validator: ResponseValidator
    const problems: string[] = []

    /** Sends a request, validates its answer, and returns it. */
    const call = async (
      method: string,
      url: string,
      options: { body?: unknown; raw?: string; headers?: Record<string, string>; status?: number } = {},
    ): Promise<LightMyRequestResponse> => {
      const hasBody = options.body !== undefined || options.raw !== undefined
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { ...(hasBody ? JSON_TYPE : {}), ...options.headers },
        ...(hasBody ? { payload: options.raw ?? JSON.stringify(options.body) } : {}),
      })
      if (options.status !== undefined)
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(options.status)
      const problem = validator.check(
        method,
        url,
        res.statusCode,
        String(res.headers['content-type'] ?? ''),
        res.body,
      )
      if (problem !== undefined) problems.push(problem)
      return res
    }
    const login = async () => (await call('POST', '/api/token/', { body: ALICE, status: 200 })).json()

    beforeAll(async () => {
      server = await startTestServer(backend, { REFRESH_REUSE_INTERVAL: 0 })
      app = server.app
      await server.createUser({ ...ALICE, email: 'alice@example.com', groups: ['staff'] })
      await server.stores.clients.create({
        clientId: 'billing',
        secretHash: hashClientSecret('s3cret-value'),
        name: 'Billing',
      })
      validator = new ResponseValidator(
        (await app.inject({ method: 'GET', url: '/api/schema/' })).json() as OpenApi,
      )
    })
    afterAll(async () => server.dispose())

    it('tokens: obtain, refresh, verify, blacklist, sliding, and their errors (contract rows 1-6, 10)', async () => {
      const pair = await login()
      await call('POST', '/api/token/', { body: { username: 'alice', password: 'nope' }, status: 401 })
      await call('POST', '/api/token/', { body: {}, status: 400 })
      await call('POST', '/api/token/', { raw: '{"username":', status: 400 })
      await call('POST', '/api/token/', {
        raw: 'username=alice',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
      })
      await call('POST', '/api/token/', { raw: JSON.stringify({ x: 'y'.repeat(20_000) }), status: 413 })
      const refreshed = (
        await call('POST', '/api/token/refresh/', { body: { refresh: pair.refresh }, status: 200 })
      ).json()
      await call('POST', '/api/token/verify/', { body: { token: refreshed.access }, status: 200 })
      await call('POST', '/api/token/verify/', {
        body: { token: tamper(refreshed.access, { user_id: 999 }) },
        status: 401,
      })
      await call('POST', '/api/token/verify/', { body: {}, status: 400 })
      await call('POST', '/api/token/refresh/', { body: { refresh: pair.access }, status: 401 })
      await call('POST', '/api/token/refresh/', { body: {}, status: 400 })
      await call('POST', '/api/token/blacklist/', { body: { refresh: refreshed.refresh }, status: 200 })
      // A rotated-out token again: blacklisted (contract row 4).
      await call('POST', '/api/token/refresh/', { body: { refresh: pair.refresh }, status: 401 })
      await call('POST', '/api/token/blacklist/', { body: { refresh: refreshed.refresh }, status: 401 })
      await call('POST', '/api/token/blacklist/', { body: { refresh: refreshed.access }, status: 401 })
      const sliding = (await call('POST', '/api/token/sliding/', { body: ALICE, status: 200 })).json()
      await call('POST', '/api/token/sliding/refresh/', { body: { token: sliding.token }, status: 200 })
      await call('POST', '/api/token/sliding/refresh/', { body: { token: 'garbage' }, status: 401 })
    })

    it('browser mode: the access token alone, cookies, and CSRF refusals', async () => {
      const cookieMode = { 'x-auth-transport': 'cookie' }
      const res = await call('POST', '/api/token/', { body: ALICE, headers: cookieMode, status: 200 })
      expect(Object.keys(res.json())).toEqual(['access'])
      const cookies = Object.fromEntries(res.cookies.map((cookie) => [cookie.name, cookie.value]))
      const cookieHeader = Object.entries(cookies)
        .map(([name, value]) => `${name}=${value}`)
        .join('; ')
      await call('POST', '/api/token/refresh/', { body: {}, headers: { cookie: cookieHeader }, status: 403 })
      await call('POST', '/api/token/refresh/', {
        body: {},
        headers: { cookie: cookieHeader, 'x-csrftoken': cookies.csrftoken ?? '' },
        status: 200,
      })
    })

    it('accounts: register, me, password change (contract rows 9e, 11)', async () => {
      await call('POST', '/api/register/', { body: BOB, status: 201 })
      await call('POST', '/api/register/', { body: BOB, status: 400 })
      await call('POST', '/api/register/', { body: { ...BOB, username: 'x', password: '1234' }, status: 400 })
      await call('POST', '/api/register/', { body: {}, status: 400 })
      const { access } = await login()
      const auth = { authorization: `Bearer ${access}` }
      const me = await call('GET', '/api/me/', { headers: auth, status: 200 })
      expect(me.json()).toMatchObject({ username: 'alice', last_login: null })
      await call('GET', '/api/me/', { status: 401 })
      await call('GET', '/api/me/', { headers: { authorization: 'Bearer' }, status: 401 })
      await call('GET', '/api/me/', {
        headers: { authorization: `Bearer ${tamper(access, { user_id: 999 })}` },
        status: 401,
      })
      server.clock.advance(301)
      await call('GET', '/api/me/', { headers: auth, status: 401 })
      const fresh = { authorization: `JWT ${(await login()).access}` }
      await call('PATCH', '/api/me/', { body: { username: 'x' }, headers: fresh, status: 400 })
      await call('PATCH', '/api/me/', { body: { email: 'alice@example.com' }, headers: fresh, status: 200 })
      await call('PATCH', '/api/me/', { body: { email: 'alice2@example.com' }, headers: fresh, status: 202 })
      await call('POST', '/api/me/password/', {
        body: { old_password: 'wrong', new_password: 'Another-Pass-77' },
        headers: fresh,
        status: 400,
      })
      await call('POST', '/api/me/password/', {
        body: { old_password: ALICE.password, new_password: ALICE.password },
        headers: fresh,
        status: 200,
      })
    })

    it('sessions, logout everywhere, the demo route', async () => {
      const { access } = await login()
      const auth = { authorization: `Bearer ${access}` }
      const list = await call('GET', '/api/sessions/', { headers: auth, status: 200 })
      const [session] = list.json() as { id: string }[]
      await call('DELETE', '/api/sessions/0123456789abcdef0123456789abcdef/', { headers: auth, status: 404 })
      await call('GET', '/api/hello/', { headers: auth, status: 200 })
      await call('DELETE', `/api/sessions/${session?.id}/`, { headers: auth, status: 204 })
      const again = { authorization: `Bearer ${(await login()).access}` }
      await call('POST', '/api/logout/all/', { headers: again, status: 200 })
      await call('GET', '/api/hello/', { headers: again, status: 401 })
    })

    it('account mail: requests, link pages and confirmations', async () => {
      await call('POST', '/api/password/reset/', { body: { email: 'alice@example.com' }, status: 202 })
      await call('POST', '/api/password/reset/', { body: { email: 'nope' }, status: 400 })
      await call('GET', '/api/password/reset/confirm/', { status: 200 })
      await call('POST', '/api/password/reset/confirm/', {
        body: { token: 'x', new_password: 'Another-Pass-77' },
        status: 400,
      })
      await call('POST', '/api/email/verify/', { body: { token: 'x' }, status: 400 })
      await call('POST', '/api/email/verify/resend/', { body: { email: 'alice@example.com' }, status: 202 })
      const { access } = await login()
      await call('POST', '/api/email/change/', {
        body: { email: 'alice3@example.com' },
        headers: { authorization: `Bearer ${access}` },
        status: 202,
      })
      await call('POST', '/api/email/change/confirm/', { body: { token: 'x' }, status: 400 })
      await call('POST', '/api/email/change/cancel/', { body: { token: 'x' }, status: 400 })
      await call('GET', '/api/links/page.js', { status: 200 })
    })

    it('introspection, keys, service routes and the document itself', async () => {
      const { access } = await login()
      const client = { authorization: basic('billing', 's3cret-value') }
      const active = await call('POST', '/api/token/introspect/', {
        body: { token: access },
        headers: client,
        status: 200,
      })
      // Every claim of the token comes through the serialiser, custom claims included.
      expect(active.json()).toMatchObject({
        active: true,
        email: 'alice@example.com',
        roles: ['staff'],
        sid: expect.any(String),
      })
      await call('POST', '/api/token/introspect/', {
        raw: 'token=garbage',
        headers: { ...client, 'content-type': 'application/x-www-form-urlencoded' },
        status: 200,
      })
      await call('POST', '/api/token/introspect/', { body: { token: access }, status: 401 })
      await call('GET', '/api/revocations/stream/', { status: 401 })
      await call('GET', '/.well-known/jwks.json', { status: 200 })
      await call('GET', '/healthz', { status: 200 })
      await call('GET', '/readyz', { status: 200 })
      await call('GET', '/metrics', { status: 200 })
      await call('GET', '/', { status: 200 })
      await call('GET', '/api/schema/?format=yaml', { status: 200 })
      await call('GET', '/api/schema/?format=xml', { status: 400 })
    })

    it('found every answer documented, and checked the bodies of many', () => {
      expect(problems).toEqual([])
      // The check itself can fail: a missing field, an extra one, a status the route never answers.
      const json = 'application/json'
      expect(validator.check('GET', '/api/me/', 200, json, '{"id":1,"username":"a","email":"a"}')).toMatch(
        /must have required property 'date_joined'/,
      )
      expect(validator.check('POST', '/api/token/', 401, json, '{"detail":"x","extra":1}')).toMatch(
        /does not match/,
      )
      expect(validator.check('GET', '/healthz', 418, json, '{}')).toMatch(/418 is not documented/)
      expect(validator.checked.size).toBeGreaterThan(50)
    })
  })
}
