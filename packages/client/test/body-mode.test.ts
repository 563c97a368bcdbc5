import { describe, expect, it, vi } from 'vitest'
import {
  createTesseraClient,
  type RefreshTokenStorage,
  SessionExpiredError,
  type TesseraClientOptions,
} from '../src/index.js'
import { FakeServer, fakeClock } from './fake-server.js'

const BASE = 'http://auth.test'

function setup(extra: Partial<TesseraClientOptions> = {}, accessLifetime?: number) {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds, ...(accessLifetime ? { accessLifetime } : {}) })
  const stored: { value: string | null } = { value: null }
  const storage: RefreshTokenStorage = {
    get: () => stored.value,
    set: vi.fn((token: string) => {
      stored.value = token
    }),
    remove: vi.fn(() => {
      stored.value = null
    }),
  }
  const client = createTesseraClient({
    baseUrl: BASE,
    mode: 'body',
    fetch: server.fetch,
    clock: clock.ms,
    storage,
    tabCoordination: false,
    ...extra,
  })
  return { clock, server, client, stored, storage }
}

const bearerOf = (server: FakeServer, path: string) =>
  server.requests.filter((r) => r.path === path).map((r) => r.headers.get('authorization'))

describe('body mode', () => {
  it('login keeps the refresh token in the storage and the access token only in memory', async () => {
    const { server, client, stored } = setup()
    const onLogin = vi.fn()
    client.on('login', onLogin)
    await client.login('alice', 'Wonderland-42!')
    const login = server.requests[0]
    expect(login?.path).toBe('/api/token/')
    expect(login?.body).toEqual({ username: 'alice', password: 'Wonderland-42!' })
    expect(login?.headers.get('x-auth-transport')).toBeNull()
    expect(login?.credentials).toBeUndefined()
    expect(stored.value).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(onLogin).toHaveBeenCalledTimes(1)
    expect(client.isAuthenticated()).toBe(true)
    const me = await client.me()
    expect(me).toMatchObject({ id: 1, username: 'alice' })
    const bearer = bearerOf(server, '/api/me/')[0]
    expect(bearer).toMatch(/^Bearer ey/)
    expect(bearer).not.toContain(stored.value)
  })

  it('sends the configured login field', async () => {
    const { server, client } = setup({ loginField: 'email' })
    await expect(client.login('alice@example.com', 'x')).rejects.toMatchObject({ status: 401 })
    expect(server.requests[0]?.body).toEqual({ email: 'alice@example.com', password: 'x' })
  })

  it('shares one refresh among 10 concurrent calls with an expired token', async () => {
    const { clock, server, client } = setup()
    await client.login('alice', 'Wonderland-42!')
    clock.advance(301)
    const onRefresh = vi.fn()
    client.on('refresh', onRefresh)
    const answers = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/api/hello/')))
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(server.count('/api/token/refresh/')).toBe(1)
    expect(onRefresh).toHaveBeenCalledTimes(1)
    const used = new Set(bearerOf(server, '/api/hello/'))
    expect(used.size).toBe(1)
    expect(server.requests.filter((r) => r.path === '/api/hello/')).toHaveLength(10)
  })

  it('refreshes before the call when the token expires within the skew, not outside it', async () => {
    const { clock, server, client } = setup({ refreshSkewSeconds: 30 })
    await client.login('alice', 'Wonderland-42!')
    const first = client.expiresAt()
    clock.advance(269) // 31 s left: outside the skew
    await client.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(0)
    clock.advance(2) // 29 s left: inside the skew, still valid on the server
    const res = await client.fetch('/api/hello/')
    expect(res.status).toBe(200)
    expect(server.count('/api/token/refresh/')).toBe(1)
    // The refresh happened before the call: no 401 round trip, and the call carried the new token.
    expect(server.count('/api/hello/')).toBe(2)
    expect(client.expiresAt()).toBeGreaterThan(first ?? Number.POSITIVE_INFINITY)
    const [a, b] = bearerOf(server, '/api/hello/')
    expect(a).not.toBe(b)
  })

  it('honours a custom skew as the largest margin', async () => {
    const { clock, server, client } = setup({ refreshSkewSeconds: 10 })
    await client.login('alice', 'Wonderland-42!')
    clock.advance(289) // 11 s left
    await client.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(0)
    clock.advance(2) // 9 s left
    await client.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(1)
  })

  it('scales the margin with the lifetime: a 60 s token renews 10 s before it expires', async () => {
    const { clock, server, client } = setup({}, 60)
    await client.login('alice', 'Wonderland-42!')
    clock.advance(49) // 11 s left: a 30 s margin would renew here
    await client.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(0)
    clock.advance(2) // 9 s left
    await client.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(1)
  })

  it('with 5 s tokens, 130 calls over 26 s cost about one refresh per 4 s, not one per call', async () => {
    const { clock, server, client } = setup({}, 5)
    await client.login('alice', 'Wonderland-42!')
    const statuses: number[] = []
    for (let call = 0; call < 130; call++) {
      clock.advance(0.2)
      statuses.push((await client.fetch('/api/hello/')).status)
    }
    expect(statuses).toEqual(Array(130).fill(200))
    // Each token serves its first 4 s (a 1 s margin): 26 s of calls need about 7 tokens.
    const refreshes = server.count('/api/token/refresh/')
    expect(refreshes).toBeGreaterThanOrEqual(6)
    expect(refreshes).toBeLessThanOrEqual(8)
    // Every call carried a live token: no 401 round trip and retry.
    expect(server.count('/api/hello/')).toBe(130)
  })

  it('refreshes once on a 401 token_not_valid and retries the request once', async () => {
    const { server, client } = setup()
    await client.login('alice', 'Wonderland-42!')
    await client.fetch('/api/hello/')
    server.revokedAccess.add(bearerOf(server, '/api/hello/')[0]?.slice(7) ?? '')
    const res = await client.fetch(`${BASE}/api/hello/`, { headers: { 'x-trace': 't1' } })
    expect(res.status).toBe(200)
    expect(server.count('/api/token/refresh/')).toBe(1)
    const hellos = server.requests.filter((r) => r.path === '/api/hello/')
    expect(hellos).toHaveLength(3)
    expect(hellos[2]?.headers.get('x-trace')).toBe('t1')
    expect(hellos[2]?.headers.get('authorization')).not.toBe(hellos[1]?.headers.get('authorization'))
  })

  it('does not retry twice: a second 401 ends the session with SessionExpiredError', async () => {
    const { server, client, stored } = setup()
    await client.login('alice', 'Wonderland-42!')
    server.rejectAllAccess = true
    const expired = vi.fn()
    client.on('session-expired', expired)
    await expect(client.fetch('/api/hello/')).rejects.toBeInstanceOf(SessionExpiredError)
    expect(server.count('/api/hello/')).toBe(2)
    expect(server.count('/api/token/refresh/')).toBe(1)
    expect(expired).toHaveBeenCalledTimes(1)
    expect(client.isAuthenticated()).toBe(false)
    expect(stored.value).toBeNull()
  })

  it('ends the session when the refresh token is refused', async () => {
    const { clock, server, client, stored } = setup()
    await client.login('alice', 'Wonderland-42!')
    server.blacklisted.clear()
    for (let jti = 1; jti < 10; jti++) server.blacklisted.add(jti.toString(16).padStart(32, '0'))
    clock.advance(400)
    const expired = vi.fn()
    client.on('session-expired', expired)
    const failure = client.fetch('/api/hello/')
    await expect(failure).rejects.toBeInstanceOf(SessionExpiredError)
    await expect(failure).rejects.toMatchObject({
      status: 401,
      code: 'token_not_valid',
      detail: 'Token is blacklisted',
    })
    expect(expired).toHaveBeenCalledTimes(1)
    expect(stored.value).toBeNull()
    expect(server.count('/api/hello/')).toBe(0)
  })

  it('passes through a 401 that is not about the token, without refreshing', async () => {
    const { server, client } = setup()
    const res = await client.fetch('/api/hello/')
    expect(res.status).toBe(401)
    expect(server.requests[0]?.headers.get('authorization')).toBeNull()
    expect(server.count('/api/token/refresh/')).toBe(0)
  })

  it('rotates the stored refresh token', async () => {
    const { clock, client, stored } = setup()
    await client.login('alice', 'Wonderland-42!')
    const before = stored.value
    clock.advance(600)
    await client.fetch('/api/hello/')
    expect(stored.value).not.toBe(before)
    expect(stored.value).toMatch(/^ey/)
  })

  it('restores a session from the storage on start-up', async () => {
    const first = setup()
    await first.client.login('alice', 'Wonderland-42!')
    const second = createTesseraClient({
      baseUrl: BASE,
      mode: 'body',
      fetch: first.server.fetch,
      clock: first.clock.ms,
      storage: first.storage,
      tabCoordination: false,
    })
    const onLogin = vi.fn()
    second.on('login', onLogin)
    expect(second.isAuthenticated()).toBe(false)
    await expect(second.restore()).resolves.toBe(true)
    expect(onLogin).toHaveBeenCalledTimes(1)
    expect(await second.getAccessToken()).toMatch(/^ey/)
  })

  it('restore() without a refresh token resolves false and stays anonymous', async () => {
    const { client, server } = setup()
    const expired = vi.fn()
    client.on('session-expired', expired)
    await expect(client.restore()).resolves.toBe(false)
    expect(server.requests).toHaveLength(0)
    expect(expired).not.toHaveBeenCalled()
    expect(await client.getAccessToken()).toBeNull()
  })

  it('logout blacklists the refresh token, clears memory and storage, and emits logout', async () => {
    const { server, client, stored } = setup()
    await client.login('alice', 'Wonderland-42!')
    const refresh = stored.value
    const onLogout = vi.fn()
    client.on('logout', onLogout)
    await client.logout()
    expect(server.requests.at(-1)).toMatchObject({ path: '/api/token/blacklist/', body: { refresh } })
    expect(stored.value).toBeNull()
    expect(client.isAuthenticated()).toBe(false)
    expect(onLogout).toHaveBeenCalledTimes(1)
    await client.fetch('/api/hello/')
    expect(server.requests.at(-1)?.headers.get('authorization')).toBeNull()
  })

  it('logout forgets the session even when the server is unreachable', async () => {
    const { client, stored } = setup()
    await client.login('alice', 'Wonderland-42!')
    const offline = createTesseraClient({
      mode: 'body',
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      storage: {
        get: () => stored.value,
        set: () => {},
        remove: () => {
          stored.value = null
        },
      },
      tabCoordination: false,
    })
    await offline.logout()
    expect(stored.value).toBeNull()
  })

  it('logoutAll revokes every session then logs out here', async () => {
    const { server, client } = setup()
    await client.login('alice', 'Wonderland-42!')
    await client.logoutAll()
    expect(server.requests.map((r) => r.path)).toEqual([
      '/api/token/',
      '/api/logout/all/',
      '/api/token/blacklist/',
    ])
    expect(server.requests[1]?.headers.get('authorization')).toMatch(/^Bearer /)
    expect(client.isAuthenticated()).toBe(false)
  })

  it('unsubscribes listeners', async () => {
    const { client } = setup()
    const listener = vi.fn()
    const off = client.on('login', listener)
    off()
    await client.login('alice', 'Wonderland-42!')
    expect(listener).not.toHaveBeenCalled()
  })
})
