/**
 * `tessera/fastify` in a user's own app, and the Express middleware: the guard matrix with
 * simplejwt/DRF shapes (401 with WWW-Authenticate vs 403).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { ManualClock } from '../../src/core/clock.js'
import {
  admin,
  authenticated,
  authenticatedOrReadOnly,
  guarded,
  hasRole,
  hasScope,
  type TesseraUser,
  tesseraAuth,
  tesseraExpress,
} from '@tessera/verify'
import { hmacKeyRing } from '../../src/keys/index.js'
import { loadSettings } from '../../src/settings/load.js'
import { TokenCodec } from '../../src/tokens/codec.js'

const SECRET = 'guard-test-secret-that-is-32-bytes-long'
const clock = new ManualClock(Date.now())
let codec: TokenCodec
let app: FastifyInstance
const token = async (claims: Record<string, unknown>, type: 'access' | 'refresh' = 'access') =>
  (await codec.issue(type, 42, claims)).token

beforeAll(async () => {
  codec = new TokenCodec(loadSettings({ mode: 'test' }), await hmacKeyRing(SECRET, 'HS256'), clock)
  app = Fastify()
  await app.register(tesseraAuth, { secret: SECRET, algorithms: ['HS256'], clock })
  app.get('/open', async (request) => ({ user: request.user?.id ?? null }))
  app.get('/private', { preHandler: authenticated }, async (request) => ({ user: request.user?.id }))
  app.get('/staff', { preHandler: [authenticated, hasRole('staff', 'admin')] }, async () => ({ ok: true }))
  app.get('/admin', { preHandler: admin }, async () => ({ ok: true }))
  app.get('/reports', { preHandler: hasScope('reports:read') }, async () => ({ ok: true }))
  // Behind a guard that guarantees a user, the handler's `request.user` is not nullable.
  app.get(
    '/guarded',
    guarded(authenticated, async (request) => {
      expectTypeOf(request.user).toEqualTypeOf<TesseraUser>()
      return { user: request.user.id }
    }),
  )
  app.get(
    '/teams/:team',
    guarded<{ Params: { team: string } }>([authenticated, hasRole('staff')], async (request, reply) => {
      expectTypeOf(request.params.team).toEqualTypeOf<string>()
      return reply.send({ team: request.params.team, roles: request.user.roles })
    }),
  )
  // Outside `guarded`, and behind a guard that lets anonymous reads through, it stays nullable.
  app.get('/nullable', { preHandler: authenticated }, async (request) => {
    expectTypeOf(request.user).toEqualTypeOf<TesseraUser | null>()
    return {}
  })
  // @ts-expect-error authenticatedOrReadOnly lets anonymous reads through: it guarantees no user
  guarded(authenticatedOrReadOnly, async (request) => request.user)
  app.route({
    method: ['GET', 'POST'],
    url: '/articles',
    preHandler: authenticatedOrReadOnly,
    handler: async (request) => ({ user: request.user?.id ?? null }),
  })
  await app.ready()
})
afterAll(async () => app.close())

const call = async (method: 'GET' | 'POST', url: string, bearer?: string) =>
  app.inject({ method, url, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} })

describe('tessera/fastify guards', () => {
  it('sets request.user from the token, and null when there is none', async () => {
    expect((await call('GET', '/open')).json()).toEqual({ user: null })
    expect((await call('GET', '/open', await token({}))).json()).toEqual({ user: 42 })
  })

  it('authenticated: 401 without, 401 with a bad or refresh token, 200 with an access token', async () => {
    const missing = await call('GET', '/private')
    expect(missing.statusCode).toBe(401)
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(missing.json()).toEqual({ detail: 'Authentication credentials were not provided.' })
    const refresh = await call('GET', '/private', await token({}, 'refresh'))
    expect(refresh.statusCode).toBe(401)
    expect(refresh.json().messages[0].message).toBe('Token has wrong type')
    const bad = await call('GET', '/private', 'not.a.token')
    expect(bad.json().code).toBe('token_not_valid')
    expect((await call('GET', '/private', await token({}))).json()).toEqual({ user: 42 })
  })

  it('guarded(): the guards run first, and the handler sees the user', async () => {
    const missing = await call('GET', '/guarded')
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toEqual({ detail: 'Authentication credentials were not provided.' })
    expect((await call('GET', '/guarded', await token({}))).json()).toEqual({ user: 42 })
    expect((await call('GET', '/teams/red', await token({ roles: ['viewer'] }))).statusCode).toBe(403)
    expect((await call('GET', '/teams/red', await token({ roles: ['staff'] }))).json()).toEqual({
      team: 'red',
      roles: ['staff'],
    })
  })

  it('roles, scopes and admin: 403 for an authenticated user without them', async () => {
    const plain = await token({ roles: ['viewer'] })
    const forbidden = await call('GET', '/staff', plain)
    expect(forbidden.statusCode).toBe(403)
    expect(forbidden.json()).toEqual({ detail: 'You do not have permission to perform this action.' })
    expect(forbidden.headers['www-authenticate']).toBeUndefined()
    expect((await call('GET', '/staff', await token({ roles: ['staff'] }))).statusCode).toBe(200)
    expect((await call('GET', '/admin', await token({ roles: ['staff'] }))).statusCode).toBe(403)
    expect((await call('GET', '/admin', await token({ roles: ['admin'] }))).statusCode).toBe(200)
    expect((await call('GET', '/admin', await token({ is_staff: true }))).statusCode).toBe(200)
    expect(
      (await call('GET', '/reports', await token({ scope: 'reports:read users:read' }))).statusCode,
    ).toBe(200)
    expect((await call('GET', '/reports', await token({ scopes: ['users:read'] }))).statusCode).toBe(403)
    expect((await call('GET', '/reports')).statusCode).toBe(401)
  })

  it('authenticatedOrReadOnly: anonymous reads pass, anonymous writes and bad tokens do not', async () => {
    expect((await call('GET', '/articles')).json()).toEqual({ user: null })
    expect((await call('POST', '/articles')).statusCode).toBe(401)
    expect((await call('GET', '/articles', 'garbage.token.here')).statusCode).toBe(401)
    expect((await call('POST', '/articles', await token({}))).json()).toEqual({ user: 42 })
  })

  it('a repeated Authorization header is refused, as the server and simplejwt refuse it', async () => {
    const access = await token({})
    const res = await app.inject({
      method: 'GET',
      url: '/private',
      // Sent twice: light-my-request takes an array for that, which its header type does not show.
      headers: { authorization: [`Bearer ${access}`, `Bearer ${access}`] } as unknown as Record<
        string,
        string
      >,
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({
      detail: 'Authorization header must contain two space-delimited values',
      code: 'bad_authorization_header',
    })
    expect((await call('GET', '/private', access)).statusCode).toBe(200)
  })

  it('an expired token is refused with simplejwt messages', async () => {
    const expired = await token({})
    clock.advance(301)
    try {
      const res = await call('GET', '/private', expired)
      expect(res.statusCode).toBe(401)
      expect(res.json().messages[0].message).toBe('Token is invalid or expired')
    } finally {
      clock.advance(-301)
    }
  })
})

describe('Express middleware', () => {
  function fakeResponse() {
    const state: { status: number; headers: Record<string, string>; body: unknown } = {
      status: 200,
      headers: {},
      body: undefined,
    }
    const res = {
      status(code: number) {
        state.status = code
        return res
      },
      set(name: string, value: string) {
        state.headers[name] = value
        return res
      },
      json(body: unknown) {
        state.body = body
        return res
      },
    }
    return { res, state }
  }

  it('sets req.user and calls next, or answers 401/403', async () => {
    const middleware = tesseraExpress({ secret: SECRET, algorithms: ['HS256'], roles: ['staff'] })
    const run = async (authorization?: string) => {
      const req = { method: 'GET', headers: authorization ? { authorization } : {} } as Parameters<
        typeof middleware
      >[0]
      const { res, state } = fakeResponse()
      let nextCalled = false
      await middleware(req, res, () => {
        nextCalled = true
      })
      return { req, state, nextCalled }
    }
    const anonymous = await run()
    expect(anonymous.state.status).toBe(401)
    expect(anonymous.state.headers['WWW-Authenticate']).toBe('Bearer realm="api"')
    expect(anonymous.nextCalled).toBe(false)
    const viewer = await run(`Bearer ${await token({ roles: ['viewer'] })}`)
    expect(viewer.state.status).toBe(403)
    const staff = await run(`Bearer ${await token({ roles: ['staff'] })}`)
    expect(staff.nextCalled).toBe(true)
    expect(staff.req.user?.id).toBe(42)
    const bad = await run('Bearer x.y.z')
    expect(bad.state.body).toMatchObject({ code: 'token_not_valid' })

    // Express requests carry Node's rawHeaders: a repeated header is refused there too.
    const staffHeader = `Bearer ${await token({ roles: ['staff'] })}`
    const req = {
      method: 'GET',
      headers: { authorization: staffHeader },
      rawHeaders: ['Authorization', staffHeader, 'authorization', staffHeader],
    } as Parameters<typeof middleware>[0]
    const { res, state } = fakeResponse()
    await middleware(req, res, () => {})
    expect(state.status).toBe(401)
    expect(state.body).toMatchObject({ code: 'bad_authorization_header' })
  })
})
