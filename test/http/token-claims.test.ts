/**
 * Issue 17, item 14: tokens whose claims Tessera never issues. A validly signed token stamped in
 * the future (beyond LEEWAY), or with an `iat` that is not a finite number, is refused on every
 * path that verifies (PyJWT ≥ 2.6 refuses the first); one without the user id claim gets
 * simplejwt's answer on protected routes.
 */
import { createHmac } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier } from '@tessera/verify'
import { claimsOf } from '../helpers/jwt.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const SECRET = 'test-signing-key-that-is-long-enough-for-hs256!'
const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' }
const REJECTED = {
  detail: 'Given token not valid for any token type',
  code: 'token_not_valid',
  messages: [{ token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' }],
}

describe('token claims Tessera never issues', () => {
  let server: TestServer
  let pair: { access: string; refresh: string }

  /**
   * A token signed with the server's own HS256 key, from a real token's claims with `changes`.
   * Written by hand so that a claim can hold what JSON.stringify cannot produce (`1e400`).
   */
  const forge = (token: string, changes: Record<string, unknown>, drop: string[] = []) => {
    const claims: Record<string, unknown> = { ...claimsOf(token), ...changes }
    for (const name of drop) delete claims[name]
    const signer = server.keys.signingKey()
    const encode = (text: string) => Buffer.from(text).toString('base64url')
    const header = encode(
      JSON.stringify({ alg: 'HS256', typ: 'JWT', ...(signer.kid ? { kid: signer.kid } : {}) }),
    )
    const payload = encode(JSON.stringify(claims).replace('"__1e400__"', '1e400'))
    const signature = createHmac('sha256', signer.key as Uint8Array)
      .update(`${header}.${payload}`)
      .digest('base64url')
    return `${header}.${payload}.${signature}`
  }
  const now = () => Math.floor(server.clock.now() / 1000)
  const hello = (token: string) =>
    server.app.inject({ method: 'GET', url: '/api/hello/', headers: { authorization: `Bearer ${token}` } })
  const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, payload })

  beforeAll(async () => {
    server = await startTestServer('sqlite')
    await server.createUser(ALICE)
    pair = (await post('/api/token/', ALICE)).json()
  })
  afterAll(async () => server.dispose())

  it('refuses an iat in the future beyond LEEWAY, on protected routes, verify and refresh', async () => {
    const access = forge(pair.access, { iat: now() + 120 })
    const refresh = forge(pair.refresh, { iat: now() + 120 })
    const res = await hello(access)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(REJECTED)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    for (const [url, payload] of [
      ['/api/token/verify/', { token: access }],
      ['/api/token/refresh/', { refresh }],
      ['/api/token/blacklist/', { refresh }],
    ] as const) {
      const answer = await post(url, payload)
      expect(answer.statusCode, url).toBe(401)
      expect(answer.json(), url).toEqual(INVALID)
    }
  })

  it('refuses an iat of 1e400 and a non-numeric iat', async () => {
    for (const iat of ['__1e400__', 'yesterday', null]) {
      const res = await hello(forge(pair.access, { iat }))
      expect(res.statusCode, String(iat)).toBe(401)
      expect(res.json()).toEqual(REJECTED)
    }
  })

  it('accepts an iat of now, and a future iat within LEEWAY', async () => {
    expect((await hello(forge(pair.access, { iat: now() }))).statusCode).toBe(200)
    const lenient = await startTestServer('sqlite', { LEEWAY: 300 })
    try {
      await lenient.createUser(ALICE)
      const own = (await lenient.app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })).json()
      const signer = lenient.keys.signingKey()
      const claims = { ...claimsOf(own.access), iat: Math.floor(lenient.clock.now() / 1000) + 200 }
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: signer.alg, typ: 'JWT', ...(signer.kid ? { kid: signer.kid } : {}) })
        .sign(signer.key)
      const res = await lenient.app.inject({
        method: 'GET',
        url: '/api/hello/',
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.statusCode).toBe(200)
    } finally {
      await lenient.dispose()
    }
  })

  it('a verifier for other services refuses a future iat too', async () => {
    const verifier = createVerifier({ secret: SECRET, algorithms: ['HS256'], clock: server.clock })
    await expect(verifier.verify(pair.access)).resolves.toMatchObject({ userId: expect.any(Number) })
    await expect(verifier.verify(forge(pair.access, { iat: now() + 120 }))).rejects.toMatchObject({
      code: 'token_not_valid',
      reason: 'not_yet_valid',
    })
  })

  it('answers simplejwt\'s "no recognizable user identification" for a token without user_id', async () => {
    const res = await hello(forge(pair.access, {}, ['user_id']))
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(res.json()).toEqual({
      detail: 'Token contained no recognizable user identification',
      code: 'token_not_valid',
    })
    // Type is checked first, as simplejwt does: a refresh token without user_id has the wrong type.
    const wrongType = await hello(forge(pair.refresh, {}, ['user_id']))
    expect(wrongType.json().messages[0].message).toBe('Token has wrong type')
  })
})
