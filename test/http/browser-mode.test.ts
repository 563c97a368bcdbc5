/**
 * Browser mode (issue 4): refresh token in an HttpOnly cookie, double-submit CSRF with Origin and
 * Fetch-Metadata checks, CORS allow-list; the body contract unchanged without the header.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimsOf } from '../helpers/jwt.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const ALICE = { username: 'alice', password: 'Wonderland-42!' }
const COOKIE_MODE = { 'content-type': 'application/json', 'x-auth-transport': 'cookie' }
const TRUSTED = 'https://app.example.com'

interface Cookie {
  name: string
  value: string
  attributes: string[]
}

function setCookies(res: LightMyRequestResponse): Map<string, Cookie> {
  const raw = res.headers['set-cookie']
  const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  const cookies = new Map<string, Cookie>()
  for (const line of lines) {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
    const [name = '', value = ''] = pair.split('=')
    cookies.set(name, { name, value, attributes })
  }
  return cookies
}

describe('browser mode', () => {
  let server: TestServer
  let app: FastifyInstance

  /** Logs in in cookie mode; returns the cookies as a browser would hold them. */
  const cookieLogin = async () => {
    const res = await app.inject({ method: 'POST', url: '/api/token/', headers: COOKIE_MODE, payload: ALICE })
    expect(res.statusCode).toBe(200)
    const cookies = setCookies(res)
    const refresh = cookies.get('refresh_token')?.value ?? ''
    const csrf = cookies.get('csrftoken')?.value ?? ''
    return {
      access: res.json().access as string,
      refresh,
      csrf,
      jar: `refresh_token=${refresh}; csrftoken=${csrf}`,
    }
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      CSRF_TRUSTED_ORIGINS: [TRUSTED],
      CORS_ALLOWED_ORIGINS: [TRUSTED],
      REFRESH_REUSE_INTERVAL: 0,
    })
    app = server.app
    await server.createUser({ ...ALICE, groups: ['staff'] })
  })
  afterAll(async () => server.dispose())

  it('obtain puts the refresh token in an HttpOnly cookie, not in the body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/token/', headers: COOKIE_MODE, payload: ALICE })
    expect(res.statusCode).toBe(200)
    expect(Object.keys(res.json())).toEqual(['access'])
    const cookies = setCookies(res)
    const refresh = cookies.get('refresh_token')
    expect(claimsOf(refresh?.value ?? '').token_type).toBe('refresh')
    expect(refresh?.attributes).toEqual(
      expect.arrayContaining(['Max-Age=86400', 'Path=/api/token/', 'HttpOnly', 'Secure', 'SameSite=Strict']),
    )
    const csrf = cookies.get('csrftoken')
    expect(csrf?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(csrf?.attributes).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'SameSite=Strict']))
    expect(csrf?.attributes).not.toContain('HttpOnly')
  })

  it('refresh reads the cookie, checks CSRF, and rotates the cookie', async () => {
    const session = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf },
      payload: {},
    })
    expect(res.statusCode).toBe(200)
    expect(Object.keys(res.json())).toEqual(['access'])
    const rotated = setCookies(res).get('refresh_token')?.value
    expect(rotated).toBeDefined()
    expect(rotated).not.toBe(session.refresh)
    // The old cookie was rotated out.
    const replay = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf },
      payload: {},
    })
    expect(replay.statusCode).toBe(401)
    expect(replay.json()).toEqual({ detail: 'Token is blacklisted', code: 'token_not_valid' })
    // A refused cookie clears both cookies: the page's next load sees no CSRF cookie, so its client
    // knows there is no session and does not ask again.
    const cleared = setCookies(replay)
    expect(cleared.get('refresh_token')?.attributes).toContain('Max-Age=0')
    expect(cleared.get('csrftoken')?.attributes).toContain('Max-Age=0')
  })

  it('a refresh refused for CSRF leaves the cookies alone (a forger cannot log the user out)', async () => {
    const session = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': 'forged' },
      payload: {},
    })
    expect(res.statusCode).toBe(403)
    expect(res.headers['set-cookie']).toBeUndefined()
  })

  const forged: [string, Record<string, string>, string][] = [
    ['no CSRF header', {}, 'CSRF Failed: CSRF token missing.'],
    ['a wrong CSRF header', { 'x-csrftoken': 'forged' }, 'CSRF Failed: CSRF token incorrect.'],
    [
      'a foreign Origin',
      { origin: 'https://evil.example' },
      'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.',
    ],
    [
      'Sec-Fetch-Site cross-site',
      { 'sec-fetch-site': 'cross-site' },
      'CSRF Failed: Cross-site request refused (Sec-Fetch-Site).',
    ],
  ]
  for (const [name, headers, detail] of forged) {
    it(`a cookie-authenticated refresh with ${name} is 403 csrf_failed and changes nothing`, async () => {
      const session = await cookieLogin()
      const csrfHeader =
        name === 'no CSRF header' || name === 'a wrong CSRF header' ? {} : { 'x-csrftoken': session.csrf }
      const res = await app.inject({
        method: 'POST',
        url: '/api/token/refresh/',
        headers: { ...COOKIE_MODE, cookie: session.jar, ...csrfHeader, ...headers },
        payload: {},
      })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toEqual({ detail, code: 'csrf_failed' })
      expect(res.headers['set-cookie']).toBeUndefined()
      // The refresh token was not consumed by the refused request.
      const real = await app.inject({
        method: 'POST',
        url: '/api/token/refresh/',
        headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf },
        payload: {},
      })
      expect(real.statusCode).toBe(200)
    })
  }

  it('a trusted origin may use the cookie', async () => {
    const session = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf, origin: TRUSTED },
      payload: {},
    })
    expect(res.statusCode).toBe(200)
  })

  it('logout blacklists the cookie token and clears both cookies', async () => {
    const session = await cookieLogin()
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/blacklist/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf },
      payload: {},
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({})
    const cleared = setCookies(res)
    expect(cleared.get('refresh_token')?.value).toBe('')
    expect(cleared.get('refresh_token')?.attributes).toContain('Max-Age=0')
    expect(cleared.get('csrftoken')?.attributes).toContain('Max-Age=0')
    const after = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { ...COOKIE_MODE, cookie: session.jar, 'x-csrftoken': session.csrf },
      payload: {},
    })
    expect(after.statusCode).toBe(401)
  })

  it('requests authenticated by the Authorization header need no CSRF token', async () => {
    const session = await cookieLogin()
    const res = await app.inject({
      method: 'GET',
      url: '/api/hello/',
      headers: { authorization: `Bearer ${session.access}`, origin: 'https://evil.example' },
    })
    expect(res.statusCode).toBe(200)
  })

  it('without the header the body contract is unchanged, even with cookies present', async () => {
    const session = await cookieLogin()
    const login = await app.inject({ method: 'POST', url: '/api/token/', payload: ALICE })
    expect(Object.keys(login.json())).toEqual(['refresh', 'access'])
    expect(login.headers['set-cookie']).toBeUndefined()
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/refresh/',
      headers: { cookie: session.jar },
      payload: { refresh: login.json().refresh },
    })
    expect(res.statusCode).toBe(200)
    expect(Object.keys(res.json())).toEqual(['access', 'refresh'])
  })

  it('a cookie-mode login from a foreign origin is refused (login CSRF)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/token/',
      headers: { ...COOKIE_MODE, origin: 'https://evil.example' },
      payload: ALICE,
    })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('csrf_failed')
  })

  it('CORS answers preflights for allowed origins only, with credentials', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/token/refresh/',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-csrftoken,x-auth-transport',
        },
      })
    const allowed = await preflight(TRUSTED)
    expect(allowed.statusCode).toBe(204)
    expect(allowed.headers['access-control-allow-origin']).toBe(TRUSTED)
    expect(allowed.headers['access-control-allow-credentials']).toBe('true')
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('x-csrftoken')
    const refused = await preflight('https://evil.example')
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('security headers are set on API responses', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('same-origin')
  })
})

describe('browser mode switched off', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer('sqlite', { REFRESH_COOKIE_ENABLED: false })
    await server.createUser(ALICE)
  })
  afterAll(async () => server.dispose())

  it('ignores X-Auth-Transport and answers the body contract', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/token/',
      headers: COOKIE_MODE,
      payload: ALICE,
    })
    expect(Object.keys(res.json())).toEqual(['refresh', 'access'])
    expect(res.headers['set-cookie']).toBeUndefined()
  })
})
