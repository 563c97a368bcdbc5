/**
 * Issue 17, item 14: answers that carry tokens or the user's own data are never stored by a cache
 * (RFC 6749 §5.1: `Cache-Control: no-store`, `Pragma: no-cache`).
 */
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }

function expectNoStore(res: LightMyRequestResponse, what: string) {
  expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(300)
  expect(res.headers['cache-control'], what).toBe('no-store')
  expect(res.headers.pragma, what).toBe('no-cache')
}

describe('Cache-Control on token answers and /api/me/', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'POST', url, payload, headers })

  it('every token endpoint, /api/me/ and the password change answer no-store', async () => {
    const obtain = await post('/api/token/', ALICE)
    expectNoStore(obtain, 'obtain')
    const { access, refresh } = obtain.json()
    // A session of its own for /me: logging out below ends the first one, access token included.
    const other = (await post('/api/token/', ALICE)).json()
    const bearer = { authorization: `Bearer ${other.access}` }
    const refreshed = await post('/api/token/refresh/', { refresh })
    expectNoStore(refreshed, 'refresh')
    expectNoStore(await post('/api/token/verify/', { token: access }), 'verify')
    expectNoStore(await post('/api/token/blacklist/', { refresh: refreshed.json().refresh }), 'blacklist')
    const sliding = await post('/api/token/sliding/', ALICE)
    expectNoStore(sliding, 'sliding')
    expectNoStore(
      await post('/api/token/sliding/refresh/', { token: sliding.json().token }),
      'sliding refresh',
    )
    expectNoStore(await server.app.inject({ method: 'GET', url: '/api/me/', headers: bearer }), 'GET me')
    expectNoStore(
      await server.app.inject({
        method: 'PATCH',
        url: '/api/me/',
        headers: bearer,
        payload: { email: 'a@example.com' },
      }),
      'PATCH me',
    )
    expectNoStore(
      await server.app.inject({ method: 'GET', url: '/api/sessions/', headers: bearer }),
      'sessions',
    )
    expectNoStore(
      await post(
        '/api/me/password/',
        { old_password: ALICE.password, new_password: 'Another-Secret-77' },
        bearer,
      ),
      'password change',
    )
  })

  it('the public demo route and the JWKS stay cacheable as before', async () => {
    const jwks = await server.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    expect(jwks.headers['cache-control']).toBe('public, max-age=300, must-revalidate')
  })
})
