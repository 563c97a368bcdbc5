import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createTesseraClient,
  type LockManagerLike,
  type TesseraClient,
  type TesseraClientOptions,
} from '../src/index.js'
import { FakeServer, fakeClock, makeToken, nextEvent } from './fake-server.js'

/**
 * A FIFO Web Locks stand-in shared by the "tabs": records which names were requested, and refuses an
 * `ifAvailable` request (callback with `null`) while the name is held or queued for, as browsers do.
 */
function fakeLocks() {
  const tails = new Map<string, Promise<unknown>>()
  const holders = new Map<string, number>()
  const names: string[] = []
  const manager: LockManagerLike = {
    request(name, options, callback) {
      names.push(name)
      const count = holders.get(name) ?? 0
      if (options.ifAvailable && count > 0) return Promise.resolve().then(() => callback(null))
      holders.set(name, count + 1)
      const run = (tails.get(name) ?? Promise.resolve()).then(() => callback({ name }))
      const released = run.finally(() => holders.set(name, (holders.get(name) ?? 1) - 1))
      tails.set(
        name,
        released.catch(() => undefined),
      )
      return run
    },
  }
  return { manager, names }
}

let channel = 0
const open: TesseraClient[] = []
afterEach(() => {
  for (const client of open.splice(0)) client.close()
})

/** Two tabs of one browser: one server, one cookie jar, one channel. */
function twoTabs(extra: Partial<TesseraClientOptions> = {}) {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds })
  const options: TesseraClientOptions = {
    baseUrl: 'http://auth.test',
    mode: 'cookie',
    fetch: server.fetch,
    clock: clock.ms,
    cookies: () => server.documentCookie(),
    channelName: `tessera-test-${++channel}`,
    locks: null,
    ...extra,
  }
  const a = createTesseraClient(options)
  const b = createTesseraClient(options)
  open.push(a, b)
  return { clock, server, a, b }
}

describe('tab coordination', () => {
  it('a login in one tab logs the other tab in with the same access token', async () => {
    const { server, a, b } = twoTabs()
    const adopted = nextEvent(b, 'login')
    await a.login('alice', 'Wonderland-42!')
    await adopted
    expect(b.isAuthenticated()).toBe(true)
    expect(await b.getAccessToken()).toBe(await a.getAccessToken())
    await b.fetch('/api/hello/')
    expect(server.count('/api/token/refresh/')).toBe(0)
  })

  it('a tab that receives a fresh access token adopts it instead of refreshing', async () => {
    const { clock, server, a, b } = twoTabs()
    const loggedIn = nextEvent(b, 'login')
    await a.login('alice', 'Wonderland-42!')
    await loggedIn
    clock.advance(299)
    const refreshed = nextEvent(b, 'refresh')
    await a.fetch('/api/hello/')
    await refreshed
    expect(server.count('/api/token/refresh/')).toBe(1)
    expect(b.expiresAt()).toBe(a.expiresAt())
    const res = await b.fetch('/api/hello/')
    expect(res.status).toBe(200)
    expect(server.count('/api/token/refresh/')).toBe(1)
    const bearers = server.requests
      .filter((r) => r.path === '/api/hello/')
      .map((r) => r.headers.get('authorization'))
    expect(bearers[0]).toBe(bearers[1])
  })

  it('ignores a token older than the one it holds, and malformed messages', async () => {
    const { clock, a, b } = twoTabs()
    await a.login('alice', 'Wonderland-42!')
    await nextEvent(b, 'login')
    const older = await a.getAccessToken()
    clock.advance(100)
    const adoptedNewer = nextEvent(a, 'refresh')
    await b.login('alice', 'Wonderland-42!')
    await adoptedNewer
    const newer = await a.getAccessToken()
    expect(newer).toBe(await b.getAccessToken())
    expect(newer).not.toBe(older)

    const adopted = vi.fn()
    a.on('refresh', adopted)
    const stray = new BroadcastChannel(`tessera-test-${channel}`)
    const sentinel = makeToken({ token_type: 'access', exp: 4_000_000_000, user_id: 1 })
    const sentinelSeen = nextEvent(a, 'refresh')
    stray.postMessage({ t: 'access', a: older })
    stray.postMessage({ t: 'access', a: 42 })
    stray.postMessage({ t: 'bogus' })
    stray.postMessage(null)
    // One sender's messages arrive in order: once the sentinel is adopted, the others were handled.
    stray.postMessage({ t: 'access', a: sentinel })
    await sentinelSeen
    stray.close()
    expect(adopted).toHaveBeenCalledTimes(1)
    expect(await a.getAccessToken()).toBe(sentinel)
    expect(a.isAuthenticated()).toBe(true)
  })

  it('a logout in one tab logs out the others', async () => {
    const { server, a, b } = twoTabs()
    await a.login('alice', 'Wonderland-42!')
    await nextEvent(b, 'login')
    const loggedOut = nextEvent(b, 'logout')
    await a.logout()
    await loggedOut
    expect(b.isAuthenticated()).toBe(false)
    await b.fetch('/api/hello/')
    expect(server.requests.at(-1)?.headers.get('authorization')).toBeNull()
  })

  it('two tabs never refresh at once: the refresh runs under the tessera-refresh Web Lock', async () => {
    const locks = fakeLocks()
    const { clock, server, a, b } = twoTabs({ locks: locks.manager, channelName: 'tessera' })
    await a.login('alice', 'Wonderland-42!')
    await nextEvent(b, 'login')
    clock.advance(600) // both tabs hold an expired token
    let release = () => {}
    server.refreshGate = new Promise<void>((resolve) => {
      release = resolve
    })
    const calls = [
      a.fetch('/api/hello/'),
      b.fetch('/api/hello/'),
      a.fetch('/api/hello/'),
      b.fetch('/api/hello/'),
    ]
    await new Promise((resolve) => setTimeout(resolve, 10))
    // One tab's refresh is at the server; the other tab waits for the lock instead of sending its own.
    expect(server.count('/api/token/refresh/')).toBe(1)
    release()
    const answers = await Promise.all(calls)
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(server.maxConcurrentRefreshes).toBe(1)
    expect(locks.names.every((name) => name === 'tessera-refresh')).toBe(true)
    expect(locks.names.length).toBeGreaterThanOrEqual(2)
    // The tab that waited for the lock adopted the token the other tab broadcast.
    expect(server.count('/api/token/refresh/')).toBe(1)
    const bearers = new Set(
      server.requests.filter((r) => r.path === '/api/hello/').map((r) => r.headers.get('authorization')),
    )
    expect(bearers.size).toBe(1)
  })

  it('a tab that queued for the lock waits for the broadcast even when it is slow to arrive', async () => {
    const locks = fakeLocks()
    const { clock, server, a, b } = twoTabs({ locks: locks.manager })
    await a.login('alice', 'Wonderland-42!')
    await nextEvent(b, 'login')
    clock.advance(600) // both tabs hold an expired token
    // A busy browser: every message between tabs arrives late, long after the lock has changed hands.
    const post = BroadcastChannel.prototype.postMessage
    const slow = vi.spyOn(BroadcastChannel.prototype, 'postMessage').mockImplementation(function (
      this: BroadcastChannel,
      message: unknown,
    ) {
      setTimeout(() => post.call(this, message), 100)
    })
    try {
      const answers = await Promise.all([a.fetch('/api/hello/'), b.fetch('/api/hello/')])
      expect(answers.map((r) => r.status)).toEqual([200, 200])
    } finally {
      slow.mockRestore()
    }
    // One expiry, one refresh: the second tab adopted the first one's token instead of refreshing.
    expect(server.count('/api/token/refresh/')).toBe(1)
    expect(await b.getAccessToken()).toBe(await a.getAccessToken())
  })

  it('tabCoordination: false neither sends nor receives', async () => {
    const { a, b } = twoTabs({ tabCoordination: false })
    const other = createTesseraClient({ channelName: `tessera-test-${channel}`, mode: 'body' })
    open.push(other)
    const heard = vi.fn()
    other.on('login', heard)
    await a.login('alice', 'Wonderland-42!')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(b.isAuthenticated()).toBe(false)
    expect(heard).not.toHaveBeenCalled()
  })
})

describe('races with logout', () => {
  it('a logout from another tab during a refresh is not undone by the refresh answer', async () => {
    const { clock, server, a, b } = twoTabs({ mode: 'body' })
    await a.login('alice', 'Wonderland-42!')
    await nextEvent(b, 'login')
    clock.advance(600)
    let release = () => {}
    server.refreshGate = new Promise<void>((resolve) => {
      release = resolve
    })
    const call = a.fetch('/api/hello/')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(server.activeRefreshes).toBe(1)
    const heard = nextEvent(a, 'logout')
    await b.logout() // b holds no refresh token of its own in body mode, but tells the tabs
    await heard
    release()
    await expect(call).rejects.toMatchObject({ name: 'SessionExpiredError' })
    expect(a.isAuthenticated()).toBe(false)
  })

  it('logout waits for a refresh under way and blacklists the token it rotated to', async () => {
    const { clock, server, a } = twoTabs({ mode: 'body', tabCoordination: false })
    await a.login('alice', 'Wonderland-42!')
    clock.advance(600)
    let release = () => {}
    server.refreshGate = new Promise<void>((resolve) => {
      release = resolve
    })
    const call = a.fetch('/api/hello/')
    const loggingOut = a.logout()
    release()
    await call
    await loggingOut
    const refreshAnswer = server.requests.filter((r) => r.path === '/api/token/refresh/')
    expect(refreshAnswer).toHaveLength(1)
    const blacklisted = server.requests.at(-1)
    expect(blacklisted?.path).toBe('/api/token/blacklist/')
    // The blacklisted token is not the one the refresh spent but its successor, which is still live.
    const spent = (refreshAnswer[0]?.body as { refresh?: string } | undefined)?.refresh
    const revoked = (blacklisted?.body as { refresh?: string } | undefined)?.refresh
    expect(revoked).toMatch(/^ey/)
    expect(revoked).not.toBe(spent)
    expect(a.isAuthenticated()).toBe(false)
  })
})
