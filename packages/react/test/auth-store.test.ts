import { describe, expect, it } from 'vitest'
import { createTesseraClient, type TesseraClientOptions } from '@tessera/client'
import { createAuthStore } from '../src/index.js'
import { FakeServer, fakeClock } from '../../client/test/fake-server.js'

function setup(extra: Partial<TesseraClientOptions> = {}) {
  const clock = fakeClock()
  const server = new FakeServer({ nowSeconds: clock.seconds })
  const options: TesseraClientOptions = {
    baseUrl: 'http://auth.test',
    mode: 'cookie',
    fetch: server.fetch,
    clock: clock.ms,
    cookies: () => server.documentCookie(),
    tabCoordination: false,
    ...extra,
  }
  const client = createTesseraClient(options)
  const store = createAuthStore(client)
  const statuses: string[] = [store.getSnapshot().status]
  store.subscribe(() => statuses.push(store.getSnapshot().status))
  /** Resolves once the store leaves `loading`. */
  const settled = () =>
    new Promise<void>((resolve) => {
      const off = store.subscribe(() => {
        if (store.getSnapshot().status !== 'loading') {
          off()
          resolve()
        }
      })
    })
  return { clock, server, options, client, store, statuses, settled }
}

describe('createAuthStore', () => {
  it('loading → anonymous when there is no session to restore', async () => {
    const { store, statuses, settled, server } = setup()
    const done = settled()
    const stop = store.start()
    await done
    expect(statuses).toEqual(['loading', 'anonymous'])
    // No CSRF cookie, so no session: nothing was asked of the server.
    expect(server.requests).toEqual([])
    expect(store.getSnapshot()).toEqual({ user: null, status: 'anonymous', error: null })
    stop()
  })

  it('loading → authenticated with the user when the cookie restores a session', async () => {
    const first = setup()
    await first.client.login('alice', 'Wonderland-42!')
    const reloaded = createTesseraClient(first.options)
    const store = createAuthStore(reloaded)
    const done = new Promise<void>((resolve) => store.subscribe(resolve))
    store.start()
    await done
    expect(store.getSnapshot()).toMatchObject({ status: 'authenticated', user: { username: 'alice' } })
    // restore() emitted `login` and resolved true: `/me/` is still fetched only once.
    expect(first.server.count('/api/me/')).toBe(1)
  })

  it('login → authenticated, logout → anonymous, and session expiry → anonymous', async () => {
    const { server, store, statuses, settled, client } = setup()
    const done = settled()
    store.start()
    await done
    await store.login('alice', 'Wonderland-42!')
    expect(store.getSnapshot()).toMatchObject({ status: 'authenticated', user: { id: 1, username: 'alice' } })
    await store.logout()
    expect(store.getSnapshot().status).toBe('anonymous')
    await store.login('alice', 'Wonderland-42!')
    server.rejectAllAccess = true
    await expect(client.fetch('/api/hello/')).rejects.toThrow()
    expect(store.getSnapshot()).toMatchObject({ status: 'anonymous', user: null })
    expect(statuses).toEqual([
      'loading',
      'anonymous',
      'authenticated',
      'anonymous',
      'authenticated',
      'anonymous',
    ])
  })

  it('a failed login leaves the state alone and rejects', async () => {
    const { store, statuses, settled } = setup()
    const done = settled()
    store.start()
    await done
    await expect(store.login('alice', 'wrong')).rejects.toMatchObject({ status: 401 })
    expect(statuses).toEqual(['loading', 'anonymous'])
  })

  it('stop() detaches from the client', async () => {
    const { store, client, settled, statuses } = setup()
    const done = settled()
    const stop = store.start()
    await done
    stop()
    await client.login('alice', 'Wonderland-42!')
    expect(statuses).toEqual(['loading', 'anonymous'])
  })
})
