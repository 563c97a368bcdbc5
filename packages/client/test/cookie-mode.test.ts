import { describe, expect, it, vi } from 'vitest'
import { createTesseraClient, type TesseraClientOptions, TesseraClientError } from '../src/index.js'
import { FakeServer, fakeClock } from './fake-server.js'

function setup(extra: Partial<TesseraClientOptions> = {}) {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds })
  const storage = { get: vi.fn(() => null), set: vi.fn(), remove: vi.fn() }
  const options: TesseraClientOptions = {
    baseUrl: 'http://auth.test/',
    mode: 'cookie',
    fetch: server.fetch,
    clock: clock.ms,
    cookies: () => server.documentCookie(),
    storage,
    tabCoordination: false,
    ...extra,
  }
  return { clock, server, storage, options, client: createTesseraClient(options) }
}

describe('cookie mode', () => {
  it('login asks for cookie transport with credentials and never stores a refresh token', async () => {
    const { server, client, storage } = setup()
    await client.login('alice', 'Wonderland-42!')
    const login = server.requests[0]
    expect(login?.path).toBe('/api/token/')
    expect(login?.headers.get('x-auth-transport')).toBe('cookie')
    expect(login?.credentials).toBe('include')
    expect(server.jar.get('refresh')).toMatch(/^ey/)
    expect(storage.set).not.toHaveBeenCalled()
    expect(storage.get).not.toHaveBeenCalled()
    expect(client.isAuthenticated()).toBe(true)
  })

  it('refresh sends an empty body, the transport header, the CSRF header and credentials', async () => {
    const { clock, server, client, storage } = setup()
    await client.login('alice', 'Wonderland-42!')
    clock.advance(290)
    expect((await client.fetch('/api/hello/')).status).toBe(200)
    const refresh = server.requests.find((r) => r.path === '/api/token/refresh/')
    expect(refresh?.body).toEqual({})
    expect(refresh?.headers.get('x-auth-transport')).toBe('cookie')
    expect(refresh?.headers.get('x-csrftoken')).toBe(server.jar.get('csrftoken'))
    expect(refresh?.credentials).toBe('include')
    expect(storage.set).not.toHaveBeenCalled()
    // Bearer-authenticated calls carry no CSRF header: it is only for cookie-authenticated requests.
    expect(server.requests.at(-1)?.headers.get('x-csrftoken')).toBeNull()
  })

  it('uses the configured CSRF cookie and header names', async () => {
    const { clock, server, client } = setup({
      csrfCookieName: 'xsrf',
      csrfHeaderName: 'X-XSRF',
      cookies: () => `xsrf=${server.jar.get('csrftoken')}`,
    })
    await client.login('alice', 'Wonderland-42!')
    clock.advance(400)
    await expect(client.fetch('/api/hello/')).rejects.toMatchObject({ status: 403, code: 'csrf_failed' })
    const refresh = server.requests.find((r) => r.path === '/api/token/refresh/')
    expect(refresh?.headers.get('x-xsrf')).toBe(server.jar.get('csrftoken'))
  })

  it('a refused CSRF token is a TesseraClientError, not the end of the session', async () => {
    const { clock, server, client } = setup({ cookies: () => 'csrftoken=forged' })
    await client.login('alice', 'Wonderland-42!')
    clock.advance(400)
    const expired = vi.fn()
    client.on('session-expired', expired)
    const error = await client.fetch('/api/hello/').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TesseraClientError)
    expect(error).toMatchObject({ status: 403, code: 'csrf_failed' })
    expect(expired).not.toHaveBeenCalled()
    expect(client.isAuthenticated()).toBe(true)
    expect(server.count('/api/hello/')).toBe(0)
  })

  it('restore() resumes the session from the cookie after a reload', async () => {
    const { server, client, options } = setup()
    await client.login('alice', 'Wonderland-42!')
    const reloaded = createTesseraClient(options)
    const onLogin = vi.fn()
    reloaded.on('login', onLogin)
    await expect(reloaded.restore()).resolves.toBe(true)
    expect(onLogin).toHaveBeenCalledTimes(1)
    expect(await reloaded.me()).toMatchObject({ username: 'alice' })
    expect(server.count('/api/token/refresh/')).toBe(1)
  })

  it('restore() without a cookie resolves false, quietly, without asking the server', async () => {
    const { client, server } = setup()
    const expired = vi.fn()
    client.on('session-expired', expired)
    await expect(client.restore()).resolves.toBe(false)
    expect(expired).not.toHaveBeenCalled()
    expect(client.isAuthenticated()).toBe(false)
    // No CSRF cookie: the server set none, or cleared it with the refresh cookie. A refresh could
    // only answer 400 (and the browser would log it), so the client does not send one.
    expect(server.requests).toEqual([])
    await expect(client.getAccessToken()).resolves.toBeNull()
    expect(server.requests).toEqual([])
  })

  it('restore() after a logout sends nothing: the logout cleared the CSRF cookie', async () => {
    const { client, server, options } = setup()
    await client.login('alice', 'Wonderland-42!')
    await client.logout()
    const before = server.requests.length
    await expect(createTesseraClient(options).restore()).resolves.toBe(false)
    expect(server.requests.length).toBe(before)
  })

  it('a call made during restore() waits for it and carries the restored token', async () => {
    const { server, client, options } = setup()
    await client.login('alice', 'Wonderland-42!')
    const reloaded = createTesseraClient(options)
    const restoring = reloaded.restore()
    const res = await reloaded.fetch('/api/hello/')
    expect(res.status).toBe(200)
    await restoring
    expect(server.requests.at(-1)?.headers.get('authorization')).toMatch(/^Bearer ey/)
  })

  it('logout blacklists through the cookie with the CSRF header and an empty body', async () => {
    const { server, client } = setup()
    await client.login('alice', 'Wonderland-42!')
    const csrf = server.jar.get('csrftoken')
    await client.logout()
    const blacklist = server.requests.at(-1)
    expect(blacklist?.path).toBe('/api/token/blacklist/')
    expect(blacklist?.body).toEqual({})
    expect(blacklist?.headers.get('x-csrftoken')).toBe(csrf)
    expect(blacklist?.credentials).toBe('include')
    expect(server.jar.has('refresh')).toBe(false)
    expect(client.isAuthenticated()).toBe(false)
  })
})
