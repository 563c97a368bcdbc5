/**
 * HMAC access tokens over HTTP, where the server checks them with node:crypto: a token is accepted
 * only as signed (one spelling), and every refusal is simplejwt's 401 `token_not_valid`: the same
 * bytes for a stray-bit spelling, a forged signature and an expired token as for garbage, and
 * simplejwt's "wrong type" message for a refresh token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('HMAC access tokens on a protected route', () => {
  let server: TestServer
  let access: string
  let refresh: string
  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser({ username: 'alice', password: 'Quartz-Falcon-9147-Lantern' })
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      payload: { username: 'alice', password: 'Quartz-Falcon-9147-Lantern' },
    })
    ;({ access, refresh } = res.json())
  })
  afterAll(async () => server.dispose())

  const me = (token: string) =>
    server.app.inject({ method: 'GET', url: '/api/me/', headers: { authorization: `Bearer ${token}` } })

  it('accepts the token as signed, and refuses every other spelling or signature alike', async () => {
    expect((await me(access)).statusCode).toBe(200)
    const signature = access.slice(access.lastIndexOf('.') + 1)
    // HS256: 43 characters, the last one carries two spare bits.
    expect(signature.length % 4).toBe(3)
    const last = ALPHABET.indexOf(signature.at(-1) ?? '')
    const strayBits = access.slice(0, -1) + ALPHABET[last | 1]
    const forged = access.slice(0, -1) + ALPHABET[(last + 4) % 64]
    const answers = await Promise.all([strayBits, forged].map(me))
    const expected = (await me('x.y.z')).body
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401)
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="api"')
      expect(answer.json().code).toBe('token_not_valid')
      expect(answer.body).toBe(expected)
    }
    const wrongType = await me(refresh)
    expect(wrongType.statusCode).toBe(401)
    expect(wrongType.json().messages[0].message).toBe('Token has wrong type')
  })

  it('refuses the token once expired, with the same answer', async () => {
    const { body } = await me('x.y.z')
    server.clock.advance(server.settings.ACCESS_TOKEN_LIFETIME + server.settings.LEEWAY + 1)
    const expired = await me(access)
    expect(expired.statusCode).toBe(401)
    expect(expired.body).toBe(body)
  })
})
